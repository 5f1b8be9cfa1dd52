"""S3 ListObjectVersions pages (MaxKeys) in a bucket that has never been versioned.

Why: LocalStack 4.14 ends a page at MaxKeys only while the version it just added differs by version id from
the bucket's last version. In a bucket that was never versioned every version id is None, so that test is
never true: the whole bucket comes back in one response, never truncated. A client that lists page by page
(the backup Lambda, to hold at most two pages) then gets 100,000 documents in one 30 MB response and keeps
them all; and each response rebuilds the full list, however small MaxKeys is.

In such a bucket each key has exactly one version, "null", so its version listing is its key listing. The
patch answers from LocalStack's own ListObjectsV2 (which pages correctly): KeyMarker becomes StartAfter and
each object is rendered as its only, latest version. Buckets with versioning enabled or suspended, and
requests with a delimiter or an encoding type, keep 4.14's own code.
"""

from localstack.aws.api.s3 import ListObjectVersionsOutput, ObjectVersion
from localstack.services.s3.provider import S3Provider

from localstack_backup_ext.patching import LazyPatches


def _list_object_versions(fn, self: S3Provider, context, bucket, **kwargs) -> ListObjectVersionsOutput:
    _, s3_bucket = self._get_cross_account_bucket(context, bucket)
    simple = not kwargs.get("delimiter") and not kwargs.get("encoding_type") and kwargs.get("version_id_marker") in (None, "", "null")
    if s3_bucket.versioning_status is not None or not simple:
        return fn(self, context, bucket, **kwargs)
    max_keys = kwargs.get("max_keys")
    listed = self.list_objects_v2(
        context,
        bucket,
        max_keys=max_keys,
        prefix=kwargs.get("prefix"),
        start_after=kwargs.get("key_marker") or None,
        fetch_owner=True,
    )
    versions = []
    for obj in listed.get("Contents", []):
        version = ObjectVersion(
            Key=obj["Key"],
            ETag=obj["ETag"],
            Size=obj["Size"],
            VersionId="null",
            IsLatest=True,
            LastModified=obj["LastModified"],
            StorageClass=obj.get("StorageClass", "STANDARD"),
        )
        for field in ("Owner", "ChecksumAlgorithm", "ChecksumType"):
            if field in obj:
                version[field] = obj[field]
        versions.append(version)
    response = ListObjectVersionsOutput(
        IsTruncated=bool(listed.get("IsTruncated")),
        Name=bucket,
        MaxKeys=max_keys if max_keys is not None else 1000,
        Versions=versions,
    )
    for field, value in (("Prefix", kwargs.get("prefix")), ("KeyMarker", kwargs.get("key_marker")), ("VersionIdMarker", kwargs.get("version_id_marker"))):
        if value is not None:
            response[field] = value
    if response["IsTruncated"] and versions:
        response["NextKeyMarker"] = versions[-1]["Key"]
        response["NextVersionIdMarker"] = "null"
    return response


PATCHES = LazyPatches([(S3Provider, "list_object_versions", _list_object_versions)])

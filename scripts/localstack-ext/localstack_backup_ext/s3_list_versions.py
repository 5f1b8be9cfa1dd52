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

from __future__ import annotations

from typing import Any

from localstack_backup_ext.patching import LazyPatches

S3_PROVIDER = "localstack.services.s3.provider:S3Provider"


def answers_from_key_listing(versioning_status: str | None, kwargs: dict[str, Any]) -> bool:
    """Whether the patch answers: a never-versioned bucket, and no delimiter, encoding or real version marker."""
    simple = (
        not kwargs.get("delimiter")
        and not kwargs.get("encoding_type")
        and kwargs.get("version_id_marker") in (None, "", "null")
    )
    return versioning_status is None and simple


def versions_page(bucket: str, listed: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A ListObjectVersions response from one ListObjectsV2 page: each object as its only version, "null"."""
    max_keys = kwargs.get("max_keys")
    versions = []
    for obj in listed.get("Contents", []):
        version = {
            "Key": obj["Key"],
            "ETag": obj["ETag"],
            "Size": obj["Size"],
            "VersionId": "null",
            "IsLatest": True,
            "LastModified": obj["LastModified"],
            "StorageClass": obj.get("StorageClass", "STANDARD"),
        }
        for field in ("Owner", "ChecksumAlgorithm", "ChecksumType"):
            if field in obj:
                version[field] = obj[field]
        versions.append(version)
    response: dict[str, Any] = {
        "IsTruncated": bool(listed.get("IsTruncated")),
        "Name": bucket,
        "MaxKeys": max_keys if max_keys is not None else 1000,
        "Versions": versions,
    }
    for field, value in (
        ("Prefix", kwargs.get("prefix")),
        ("KeyMarker", kwargs.get("key_marker")),
        ("VersionIdMarker", kwargs.get("version_id_marker")),
    ):
        if value is not None:
            response[field] = value
    if response["IsTruncated"] and versions:
        response["NextKeyMarker"] = versions[-1]["Key"]
        response["NextVersionIdMarker"] = "null"
    return response


def _list_object_versions(fn, self, context, bucket, **kwargs):
    _, s3_bucket = self._get_cross_account_bucket(context, bucket)
    if not answers_from_key_listing(s3_bucket.versioning_status, kwargs):
        return fn(self, context, bucket, **kwargs)
    listed = self.list_objects_v2(
        context,
        bucket,
        max_keys=kwargs.get("max_keys"),
        prefix=kwargs.get("prefix"),
        start_after=kwargs.get("key_marker") or None,
        fetch_owner=True,
    )
    return versions_page(bucket, listed, kwargs)


PATCHES = LazyPatches("s3_list_versions", [(S3_PROVIDER, "list_object_versions", _list_object_versions)])

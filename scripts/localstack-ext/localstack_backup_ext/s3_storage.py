"""S3 keeps its object files in this instance's own directory, not in a shared /tmp/localstack-s3-storage.

Why: LocalStack 4.14 hard-codes DEFAULT_S3_TMP_DIR = "/tmp/localstack-s3-storage" and never removes what it
writes there: every run adds a directory per bucket, two instances share it, and one started by another user
fails on the first upload (Errno 13). Pointed at the instance's tmp directory (under FILESYSTEM_ROOT on the
host, /tmp/localstack in a container), it is cleared at start and removed with the instance.
"""

import os

from localstack_backup_ext.patching import ValuePatch


def storage_dir() -> str:
    from localstack import config

    return os.path.join(config.dirs.tmp, "s3-storage")


# Read by S3Provider.__init__ when the provider is built, which is after the start hooks.
PATCHES = ValuePatch("localstack.services.s3.provider", "DEFAULT_S3_TMP_DIR", storage_dir)

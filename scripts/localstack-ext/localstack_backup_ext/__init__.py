"""document-backup-stack's LocalStack 4.14 extension.

Loaded only through LocalStack's own plugin entry points (see pyproject.toml):

* ``localstack.lambda.runtime_executor`` / ``local-node``: runs Node.js Lambda handlers as local child
  processes, for hosts without a Docker engine (select it with ``LAMBDA_RUNTIME_EXECUTOR=local-node``).
* ``localstack.hooks.on_infra_start`` / ``backup_ext_apply_patches``: fixes CloudFormation resource
  providers that drop properties the stack relies on.
"""

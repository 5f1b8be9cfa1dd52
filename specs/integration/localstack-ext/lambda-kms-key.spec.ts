// Lambda KMSKeyArn through the Lambda API itself (scripts/localstack-ext's lambda_kms_key patch): 4.14
// accepts it on CreateFunction/UpdateFunctionConfiguration, stores nothing and never returns it.
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { zipFiles } from './helpers.ts';

const KEY_A = 'arn:aws:kms:us-east-1:000000000000:key/11111111-1111-4111-8111-111111111111';
const KEY_B = 'arn:aws:kms:us-east-1:000000000000:key/22222222-2222-4222-8222-222222222222';

test('KMSKeyArn is stored by CreateFunction and UpdateFunctionConfiguration and returned by every read', async ({ target }) => {
  const lambda = new LambdaClient(clientConfig(target));
  const FunctionName = uniqueName('lsx-kms');
  const wait = { client: lambda, maxWaitTime: 60 };
  try {
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lsx-kms',
        Code: { ZipFile: zipFiles({ 'index.js': 'exports.handler = async () => 1;' }) },
        KMSKeyArn: KEY_A,
      }),
    );
    expect(created.KMSKeyArn).toBe(KEY_A);
    await waitUntilFunctionActiveV2(wait, { FunctionName });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration?.KMSKeyArn).toBe(KEY_A);
    const listed = (await lambda.send(new ListFunctionsCommand({}))).Functions?.find((f) => f.FunctionName === FunctionName);
    expect(listed?.KMSKeyArn).toBe(KEY_A);

    const version = await lambda.send(new PublishVersionCommand({ FunctionName }));
    expect(version.KMSKeyArn).toBe(KEY_A);

    const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, KMSKeyArn: KEY_B }));
    expect(updated.KMSKeyArn).toBe(KEY_B);
    await waitUntilFunctionUpdatedV2(wait, { FunctionName });
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).KMSKeyArn).toBe(KEY_B);
    // A published version keeps the key it was published with.
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName, Qualifier: version.Version }))).KMSKeyArn).toBe(KEY_A);

    // An update that does not mention the key keeps it; an empty key returns to Lambda's default key.
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Description: 'other change' }));
    await waitUntilFunctionUpdatedV2(wait, { FunctionName });
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).KMSKeyArn).toBe(KEY_B);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, KMSKeyArn: '' }));
    await waitUntilFunctionUpdatedV2(wait, { FunctionName });
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).KMSKeyArn).toBeUndefined();
  } finally {
    await lambda.send(new DeleteFunctionCommand({ FunctionName })).catch(() => {});
    lambda.destroy();
  }
});

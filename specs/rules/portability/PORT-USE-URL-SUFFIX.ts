import type { Rule } from '../types.ts';
import { scanStrings } from '../helpers.ts';
import { URL_SUFFIX, first } from './patterns.ts';

export const rule: Rule = {
  id: 'PORT-USE-URL-SUFFIX',
  pack: 'generic',
  severity: 'warning',
  title: 'No literal `amazonaws.com` (or `.com.cn`, ISO suffix) hostnames or service principals; use `${AWS::URLSuffix}`',
  rationale:
    'Endpoints and several service principals differ per partition (`amazonaws.com.cn`, `c2s.ic.gov`). No tool checks it: cfn-lint ' +
    'I3042 looks only at ARNs. Writing `!Sub lambda.${AWS::URLSuffix}` keeps one template for every partition.',
  resourceTypes: [],
  check: (ctx) => scanStrings(ctx, (v) => first(URL_SUFFIX, v), (host) => `literal host ${host}; use \${AWS::URLSuffix}`),
};

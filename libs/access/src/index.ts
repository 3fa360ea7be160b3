export {
  ACCESS_ROLES,
  ACCESS_SECRET_CHARS_MIN,
  ACCESS_TOKEN_CHARS_MAX,
  ACCESS_TOKEN_TTL_SECONDS_DEFAULT,
  ACCESS_TOKEN_TTL_SECONDS_MAX,
  type AccessClaims,
  type AccessRole,
  type AccessVerification,
  issueAccessToken,
  verifyAccessToken,
} from './access-token.ts';
export {
  DEV_ACCESS_TOKEN_SECRET,
  DEV_OPERATOR_SUBJECT,
  runTokenCommand,
  type TokenCommandResult,
} from './token-command.ts';

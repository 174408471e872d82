/** What the e2e runner (e2e/run.ts) tells each scenario file. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with \`npm run e2e\`.`);
  return value;
}

export const WEB_URL = required("E2E_WEB_URL");
export const API_URL = required("E2E_API_URL");
export const ARTIFACTS_DIR = required("E2E_ARTIFACTS_DIR");
export const JWT_LIFETIME_MS = Number(required("E2E_JWT_LIFETIME_SECONDS")) * 1000;

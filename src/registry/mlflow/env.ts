import type { MlflowAuth } from './http.js'

/**
 * Credentials as MLflow's own clients read them: `MLFLOW_TRACKING_TOKEN`
 * (bearer), else `MLFLOW_TRACKING_USERNAME` + `MLFLOW_TRACKING_PASSWORD`
 * (basic), else `DATABRICKS_TOKEN` (bearer). For the composition root; the
 * adapter itself never reads the environment.
 */
export function mlflowAuthFromEnv(env: Record<string, string | undefined>): MlflowAuth {
  const token = env.MLFLOW_TRACKING_TOKEN
  if (token) return { token }
  const username = env.MLFLOW_TRACKING_USERNAME
  if (username) return { username, password: env.MLFLOW_TRACKING_PASSWORD ?? '' }
  const databricks = env.DATABRICKS_TOKEN
  if (databricks) return { token: databricks }
  return undefined
}

// Bench probe: runs benchMlflow() against the MLflow stand-in and prints its result as JSON.
import { benchMlflow } from './mlflow-bench.js'

void benchMlflow().then(result => process.stdout.write(JSON.stringify(result) + '\n'))

/** Not a model registry: `check --models` must refuse it by name. */
export default [1, 2, 3];

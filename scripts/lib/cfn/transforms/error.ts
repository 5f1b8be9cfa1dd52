/** A template that cannot be expanded; the loader prefixes the source and makes it a TemplateLoadError. */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

interface FieldMetaProps {
  id?: string;
  error?: string;
  length: number;
  max: number;
}

/** The line under a text field: its error, and a character count once something is typed. */
export function FieldMeta({ id, error, length, max }: FieldMetaProps) {
  if (!error && length === 0) return null;
  return (
    <div id={id} className="field-meta">
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      <span className="char-count" data-over={length > max} aria-hidden="true">
        {length}/{max}
      </span>
    </div>
  );
}

// Where a validator error belongs in the editor. The server (otto/checklists/template_errors.py)
// sends each error with its path, section and question ids and the key it is about; the
// editor needs the question to show it at, and the control of the key to mark and focus.

/**
 * The error with `questionId`, `sectionId` (only when it is about no question) and `field`, the
 * editor's name of the control ("sections[1].questions[0].deviation.text" → "deviation_text").
 * The ids the server sends win over the path's indices into `body`.
 */
export function placeError(error, body) {
  const match = /^sections\[(\d+)\](?:\.questions\[(\d+)\])?\.?(.*)$/.exec(error.path || '');
  const s = match ? Number(match[1]) : null;
  const q = match && match[2] !== undefined ? Number(match[2]) : null;
  const rest = match ? match[3] : error.path || '';
  const parts = rest.split('.').map((part) => part.replace(/\[\d+\]$/, ''));
  let field = error.field || parts[0] || '';
  if (parts[0] === 'deviation') field = parts[1] === 'severity' ? 'severity' : `deviation_${parts[1] || 'when'}`;
  const questionId = error.question ?? (s !== null && q !== null ? body.sections[s]?.questions[q]?.id : null);
  const sectionId = error.section ?? (s !== null ? body.sections[s]?.id : null);
  return { ...error, questionId, sectionId: questionId ? null : sectionId, field: questionId ? field : parts[0] };
}

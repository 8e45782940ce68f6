import { ApiError } from '../../protocol/errors.js';

/** Offset-token pagination with the model's maxResults range (1–250). */
export function paginate<T>(items: T[], query: URLSearchParams, key = 'maxResults'):
  { page: T[]; nextToken?: string } {
  const maxText = query.get(key);
  const max = maxText === null ? 250 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 250) {
    throw new ApiError('InvalidRequestException', `${key} is ${maxText}; expected 1-250`);
  }
  const tokenText = query.get('nextToken');
  const start = tokenText === null ? 0 : Number(Buffer.from(tokenText, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) {
    throw new ApiError('InvalidRequestException', `nextToken '${tokenText}' is not valid`);
  }
  const page = items.slice(start, start + max);
  const next = start + max < items.length
    ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { page, nextToken: next };
}

// Swedish identity numbers of persons met at a site (personnummer and samordningsnummer:
// day of birth + 60) and organisation numbers: format, date and Luhn check digit. The same
// rules as the server's otto/inspections/identity.py and org_number.py; both pass the shared
// vectors in otto/inspections/identity_vectors.json. Pure functions, no storage.

const FORMAT = /^(\d{2})?(\d{6})([-+]?)(\d{4})$/;
const ORG_FORMAT = /^(\d{6})-?(\d{4})$/;
const COORDINATION_OFFSET = 60;

/** True when the last digit is the Luhn check digit of the others. */
export function luhnValid(digits) {
  let total = 0;
  [...digits].reverse().forEach((char, index) => {
    let n = Number(char);
    if (index % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    total += n;
  });
  return total % 10 === 0;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');
const iso = (y, m, d) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function validDate(year, month, day) {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1
    && date.getUTCDate() === day;
}

/**
 * Parse a personnummer or samordningsnummer; `today` is an ISO date (the century of a
 * ten-digit number is the latest one not in the future; one earlier with "+").
 * Returns {ok: true, kind, number: 'ÅÅÅÅMMDD-NNNN', birth_date} or {ok: false, error} with
 * error 'format' | 'date' | 'check_digit'.
 */
export function parseIdentityNumber(value, today) {
  const match = FORMAT.exec((value || '').replace(/\s/g, ''));
  if (!match || (match[1] && match[3] === '+')) return { ok: false, error: 'format' };
  const [, century, dateDigits, separator, last] = match;
  let day = Number(dateDigits.slice(4, 6));
  const kind = day > COORDINATION_OFFSET ? 'samordningsnummer' : 'personnummer';
  if (kind === 'samordningsnummer') day -= COORDINATION_OFFSET;
  const yy = Number(dateDigits.slice(0, 2));
  const month = Number(dateDigits.slice(2, 4));
  let year;
  if (century) {
    year = Number(century) * 100 + yy;
  } else {
    const [ty, tm, td] = today.split('-').map(Number);
    year = ty - ((ty - yy) % 100);
    if (year === ty && (month > tm || (month === tm && day > td))) year -= 100;
    if (separator === '+') year -= 100;
  }
  if (!validDate(year, month, day)) return { ok: false, error: 'date' };
  const birth = iso(year, month, day);
  if (birth > today) return { ok: false, error: 'date' };
  if (!luhnValid(dateDigits + last)) return { ok: false, error: 'check_digit' };
  return {
    ok: true, kind, number: `${pad(Math.floor(year / 100))}${dateDigits}-${last}`, birth_date: birth,
  };
}

/** Parse an organisation number: {ok: true, number: 'NNNNNN-NNNN'} or {ok: false, error}. */
export function parseOrgNumber(value) {
  const match = ORG_FORMAT.exec((value || '').trim());
  if (!match) return { ok: false, error: 'format' };
  const digits = match[1] + match[2];
  if (!luhnValid(digits)) return { ok: false, error: 'check_digit' };
  return { ok: true, number: `${match[1]}-${match[2]}` };
}

/**
 * Nesting depth of JSON text, checked before parsing. Why: V8 parses a 100,000-level document
 * without complaint, and then every recursive reader after it (schema validation, canonical
 * JSON for the audit log, other languages' parsers reading that log) overflows its stack. A
 * request is refused at the parser instead, with a catalogue code.
 */
import { SwitchyardError } from '../../core/errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** How many of `char` the text holds, counting no further than `enough` (indexOf runs natively). */
function countUpTo(text: string, char: string, enough: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at >= 0 && count < enough; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/**
 * Whether any value in the text nests deeper than `max` arrays and objects. Cheap on ordinary
 * bodies: deeper than `max` needs more than `max` opening brackets, so the full scan runs only
 * when a native count finds that many (an inference body has a handful).
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= 2 * max) return false;
  const arrays = countUpTo(text, '[', max + 1);
  if (arrays + countUpTo(text, '{', max + 1 - arrays) <= max) return false;
  // One pass, strings skipped (a bracket inside one does not nest); inline, as a call per string cost half again.
  let depth = 0;
  const end = text.length;
  for (let at = 0; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      for (at++; at < end; at++) {
        const d = text.charCodeAt(at);
        if (d === BACKSLASH) at++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

export function tooDeep(max: number, where = 'the request body'): SwitchyardError {
  return new SwitchyardError('JSON_TOO_DEEP', `${where} nests arrays and objects more than ${max} levels deep (max_json_depth); flatten it`);
}

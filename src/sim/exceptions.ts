/**
 * Python-side exceptions the simulated Odoo raises. The protocol layer turns each into the
 * exact wire shape the real server produces (XML-RPC fault code + faultString, JSON-RPC
 * error envelope with data.name / data.message / data.arguments / data.debug), so the ORM
 * layer only ever says *what* went wrong, never *how* it is encoded.
 *
 * `pythonClass` is the fully qualified class name the real server reports in `data.name`
 * (for example "odoo.exceptions.ValidationError" or "builtins.ValueError").
 */
export class OdooSimError extends Error {
  constructor(
    readonly pythonClass: string,
    message: string,
    /** Python traceback text the real server would print; only used in fault bodies. */
    readonly traceback?: string,
  ) {
    super(message);
    this.name = pythonClass;
  }
}

const make = (pythonClass: string) => (message: string, traceback?: string) => new OdooSimError(pythonClass, message, traceback);

export const userError = make('odoo.exceptions.UserError');
export const validationError = make('odoo.exceptions.ValidationError');
export const missingError = make('odoo.exceptions.MissingError');
export const accessError = make('odoo.exceptions.AccessError');
export const accessDenied = make('odoo.exceptions.AccessDenied');
export const valueError = make('builtins.ValueError');
export const keyError = make('builtins.KeyError');
export const typeError = make('builtins.TypeError');
export const nameError = make('builtins.NameError');
export const sessionExpired = make('odoo.http.SessionExpiredException');

/** One invalid input: where it is (`reg_ids[0].value`, `items[3].birthdate`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

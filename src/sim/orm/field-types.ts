/** The attributes fields_get reports for one field (as the real server returns them). */
export interface FieldAttributes {
  type: string;
  string: string;
  required: boolean;
  readonly: boolean;
  store?: boolean;
  relation?: string;
  relation_field?: string;
  selection?: [string, string][];
  [attribute: string]: unknown;
}

export type FieldType =
  | 'char' | 'text' | 'html' | 'integer' | 'float' | 'monetary' | 'boolean' | 'date' | 'datetime'
  | 'selection' | 'many2one' | 'one2many' | 'many2many' | 'binary' | 'json' | 'many2one_reference';

export const isRelational = (type: string): boolean =>
  type === 'many2one' || type === 'one2many' || type === 'many2many';

export const isX2many = (type: string): boolean => type === 'one2many' || type === 'many2many';

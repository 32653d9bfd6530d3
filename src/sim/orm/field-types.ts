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

export const isX2many = (type: string): boolean => type === 'one2many' || type === 'many2many';

/**
 * Field definitions of the simulated models, generated once from the fields_get dumps of the real
 * Odoo 17 + OpenG2P server (odoo-wire/fields/*.json), plus hand-written minimal definitions of
 * res.users, res.company, res.country and res.currency. Key order is the server's field order:
 * read() without fields and fields_get() answer in this order.
 */
import type { FieldAttributes } from './field-types.js';

export const FIELD_DEFINITIONS: Record<string, Record<string, FieldAttributes>> = {
 "g2p.district": {
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Name",
   "type": "char"
  },
  "state_id": {
   "readonly": false,
   "relation": "res.country.state",
   "required": false,
   "store": true,
   "string": "State",
   "type": "many2one"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.group.kind": {
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Kind",
   "type": "char"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.group.membership": {
  "group": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Group",
   "type": "many2one"
  },
  "individual": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Individual",
   "type": "many2one"
  },
  "kind": {
   "readonly": false,
   "relation": "g2p.group.membership.kind",
   "required": false,
   "store": true,
   "string": "Kind",
   "type": "many2many"
  },
  "start_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Start Date",
   "type": "datetime"
  },
  "ended_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Ended Date",
   "type": "datetime"
  },
  "status": {
   "readonly": true,
   "required": false,
   "selection": [
    [
     "inactive",
     "Inactive"
    ],
    [
     "active",
     " "
    ]
   ],
   "store": true,
   "string": "Status",
   "type": "selection"
  },
  "is_ended": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Is Ended",
   "type": "boolean"
  },
  "individual_birthdate": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Date of Birth",
   "type": "date"
  },
  "individual_gender": {
   "readonly": true,
   "required": false,
   "selection": [
    [
     "Male",
     "Male"
    ],
    [
     "Female",
     "Female"
    ]
   ],
   "store": false,
   "string": "Gender",
   "type": "selection"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.group.membership.kind": {
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Kind",
   "type": "char"
  },
  "is_unique": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Unique",
   "type": "boolean"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.id.type": {
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Name",
   "type": "char"
  },
  "id_validation": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Id Validation",
   "type": "char"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.phone.number": {
  "partner_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Registrant",
   "type": "many2one"
  },
  "phone_no": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Phone Number",
   "type": "char"
  },
  "phone_sanitized": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Phone Sanitized",
   "type": "char"
  },
  "date_collected": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date Collected",
   "type": "date"
  },
  "disabled": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date Disabled",
   "type": "datetime"
  },
  "disabled_by": {
   "readonly": false,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Disabled By",
   "type": "many2one"
  },
  "country_id": {
   "readonly": false,
   "relation": "res.country",
   "required": false,
   "store": true,
   "string": "Country",
   "type": "many2one"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.reg.id": {
  "partner_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Registrant",
   "type": "many2one"
  },
  "id_type": {
   "readonly": false,
   "relation": "g2p.id.type",
   "required": true,
   "store": true,
   "string": "ID Type",
   "type": "many2one"
  },
  "value": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Value",
   "type": "char"
  },
  "expiry_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Expiry Date",
   "type": "date"
  },
  "id_type_as_str": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Name",
   "type": "char"
  },
  "status": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "invalid",
     "Invalid"
    ],
    [
     "valid",
     "Valid"
    ]
   ],
   "store": true,
   "string": "Status",
   "type": "selection"
  },
  "description": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Description",
   "type": "char"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.reg.rel": {
  "message_is_follower": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Is Follower",
   "type": "boolean"
  },
  "message_follower_ids": {
   "readonly": false,
   "relation": "mail.followers",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Followers",
   "type": "one2many"
  },
  "message_partner_ids": {
   "readonly": false,
   "relation": "res.partner",
   "required": false,
   "store": false,
   "string": "Followers (Partners)",
   "type": "many2many"
  },
  "message_ids": {
   "readonly": false,
   "relation": "mail.message",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Messages",
   "type": "one2many"
  },
  "has_message": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Has Message",
   "type": "boolean"
  },
  "message_needaction": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Action Needed",
   "type": "boolean"
  },
  "message_needaction_counter": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Number of Actions",
   "type": "integer"
  },
  "message_has_error": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Message Delivery error",
   "type": "boolean"
  },
  "message_has_error_counter": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Number of errors",
   "type": "integer"
  },
  "message_attachment_count": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Attachment Count",
   "type": "integer"
  },
  "website_message_ids": {
   "readonly": false,
   "relation": "mail.message",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Website Messages",
   "type": "one2many"
  },
  "message_has_sms_error": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "SMS Delivery error",
   "type": "boolean"
  },
  "source": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Source",
   "type": "many2one"
  },
  "destination": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Destination",
   "type": "many2one"
  },
  "relation": {
   "readonly": false,
   "relation": "g2p.relationship",
   "required": false,
   "store": true,
   "string": "Relation",
   "type": "many2one"
  },
  "disabled": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date Disabled",
   "type": "datetime"
  },
  "disabled_by": {
   "readonly": false,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Disabled By",
   "type": "many2one"
  },
  "start_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Start Date",
   "type": "datetime"
  },
  "end_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "End Date",
   "type": "datetime"
  },
  "relation_as_str": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Name",
   "type": "char"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.registrant.tags": {
  "name": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Tags",
   "type": "char"
  },
  "color": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Color",
   "type": "integer"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "g2p.relationship": {
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Name",
   "type": "char"
  },
  "name_inverse": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Inverse name",
   "type": "char"
  },
  "bidirectional": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Bi-directional",
   "type": "boolean"
  },
  "source_type": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "g",
     "Group"
    ],
    [
     "i",
     "Individual"
    ]
   ],
   "store": true,
   "string": "Source partner type",
   "type": "selection"
  },
  "destination_type": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "g",
     "Group"
    ],
    [
     "i",
     "Individual"
    ]
   ],
   "store": true,
   "string": "Destination partner type",
   "type": "selection"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "gender.type": {
  "code": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Code",
   "type": "char"
  },
  "value": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Value",
   "type": "char"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.bank": {
  "name": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Name",
   "type": "char"
  },
  "street": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Street",
   "type": "char"
  },
  "street2": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Street2",
   "type": "char"
  },
  "zip": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Zip",
   "type": "char"
  },
  "city": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "City",
   "type": "char"
  },
  "state": {
   "readonly": false,
   "relation": "res.country.state",
   "required": false,
   "store": true,
   "string": "Fed. State",
   "type": "many2one"
  },
  "country": {
   "readonly": false,
   "relation": "res.country",
   "required": false,
   "store": true,
   "string": "Country",
   "type": "many2one"
  },
  "email": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Email",
   "type": "char"
  },
  "phone": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Phone",
   "type": "char"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "bic": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Bank Identifier Code",
   "type": "char"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.partner.bank": {
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "acc_type": {
   "readonly": true,
   "required": false,
   "selection": [
    [
     "bank",
     "Normal"
    ]
   ],
   "store": false,
   "string": "Type",
   "type": "selection"
  },
  "acc_number": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Account Number",
   "type": "char"
  },
  "sanitized_acc_number": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Sanitized Account Number",
   "type": "char"
  },
  "acc_holder_name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Account Holder Name",
   "type": "char"
  },
  "partner_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Account Holder",
   "type": "many2one"
  },
  "allow_out_payment": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Send Money",
   "type": "boolean"
  },
  "bank_id": {
   "readonly": false,
   "relation": "res.bank",
   "required": false,
   "store": true,
   "string": "Bank",
   "type": "many2one"
  },
  "bank_name": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Name",
   "type": "char"
  },
  "bank_bic": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Bank Identifier Code",
   "type": "char"
  },
  "sequence": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Sequence",
   "type": "integer"
  },
  "currency_id": {
   "readonly": false,
   "relation": "res.currency",
   "required": false,
   "store": true,
   "string": "Currency",
   "type": "many2one"
  },
  "company_id": {
   "readonly": true,
   "relation": "res.company",
   "required": false,
   "store": true,
   "string": "Company",
   "type": "many2one"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.partner": {
  "message_is_follower": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Is Follower",
   "type": "boolean"
  },
  "message_follower_ids": {
   "readonly": false,
   "relation": "mail.followers",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Followers",
   "type": "one2many"
  },
  "message_partner_ids": {
   "readonly": false,
   "relation": "res.partner",
   "required": false,
   "store": false,
   "string": "Followers (Partners)",
   "type": "many2many"
  },
  "message_ids": {
   "readonly": false,
   "relation": "mail.message",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Messages",
   "type": "one2many"
  },
  "has_message": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Has Message",
   "type": "boolean"
  },
  "message_needaction": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Action Needed",
   "type": "boolean"
  },
  "message_needaction_counter": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Number of Actions",
   "type": "integer"
  },
  "message_has_error": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Message Delivery error",
   "type": "boolean"
  },
  "message_has_error_counter": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Number of errors",
   "type": "integer"
  },
  "message_attachment_count": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Attachment Count",
   "type": "integer"
  },
  "website_message_ids": {
   "readonly": false,
   "relation": "mail.message",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Website Messages",
   "type": "one2many"
  },
  "message_has_sms_error": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "SMS Delivery error",
   "type": "boolean"
  },
  "email_normalized": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Normalized Email",
   "type": "char"
  },
  "is_blacklisted": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Blacklist",
   "type": "boolean"
  },
  "message_bounce": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Bounce",
   "type": "integer"
  },
  "activity_ids": {
   "readonly": false,
   "relation": "mail.activity",
   "relation_field": "res_id",
   "required": false,
   "store": true,
   "string": "Activities",
   "type": "one2many"
  },
  "activity_state": {
   "readonly": true,
   "required": false,
   "selection": [
    [
     "overdue",
     "Overdue"
    ],
    [
     "today",
     "Today"
    ],
    [
     "planned",
     "Planned"
    ]
   ],
   "store": false,
   "string": "Activity State",
   "type": "selection"
  },
  "activity_user_id": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": false,
   "string": "Responsible User",
   "type": "many2one"
  },
  "activity_type_id": {
   "readonly": false,
   "relation": "mail.activity.type",
   "required": false,
   "store": false,
   "string": "Next Activity Type",
   "type": "many2one"
  },
  "activity_type_icon": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Activity Type Icon",
   "type": "char"
  },
  "activity_date_deadline": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Next Activity Deadline",
   "type": "date"
  },
  "my_activity_date_deadline": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "My Activity Deadline",
   "type": "date"
  },
  "activity_summary": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Next Activity Summary",
   "type": "char"
  },
  "activity_exception_decoration": {
   "readonly": true,
   "required": false,
   "selection": [
    [
     "warning",
     "Alert"
    ],
    [
     "danger",
     "Error"
    ]
   ],
   "store": false,
   "string": "Activity Exception Decoration",
   "type": "selection"
  },
  "activity_exception_icon": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Icon",
   "type": "char"
  },
  "image_1920": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Image",
   "type": "binary"
  },
  "image_1024": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Image 1024",
   "type": "binary"
  },
  "image_512": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Image 512",
   "type": "binary"
  },
  "image_256": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Image 256",
   "type": "binary"
  },
  "image_128": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Image 128",
   "type": "binary"
  },
  "avatar_1920": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Avatar",
   "type": "binary"
  },
  "avatar_1024": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Avatar 1024",
   "type": "binary"
  },
  "avatar_512": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Avatar 512",
   "type": "binary"
  },
  "avatar_256": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Avatar 256",
   "type": "binary"
  },
  "avatar_128": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Avatar 128",
   "type": "binary"
  },
  "name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Name",
   "type": "char"
  },
  "complete_name": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Complete Name",
   "type": "char"
  },
  "date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date",
   "type": "date"
  },
  "title": {
   "readonly": false,
   "relation": "res.partner.title",
   "required": false,
   "store": true,
   "string": "Title",
   "type": "many2one"
  },
  "parent_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": false,
   "store": true,
   "string": "Related Company",
   "type": "many2one"
  },
  "parent_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Parent name",
   "type": "char"
  },
  "child_ids": {
   "readonly": false,
   "relation": "res.partner",
   "relation_field": "parent_id",
   "required": false,
   "store": true,
   "string": "Contact",
   "type": "one2many"
  },
  "ref": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Reference",
   "type": "char"
  },
  "lang": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "en_US",
     "English (US)"
    ]
   ],
   "store": true,
   "string": "Language",
   "type": "selection"
  },
  "active_lang_count": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Active Lang Count",
   "type": "integer"
  },
  "tz": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "Africa/Abidjan",
     "Africa/Abidjan"
    ],
    [
     "Africa/Accra",
     "Africa/Accra"
    ],
    [
     "Africa/Addis_Ababa",
     "Africa/Addis_Ababa"
    ],
    [
     "Africa/Algiers",
     "Africa/Algiers"
    ],
    [
     "Africa/Asmara",
     "Africa/Asmara"
    ],
    [
     "Africa/Asmera",
     "Africa/Asmera"
    ],
    [
     "Africa/Bamako",
     "Africa/Bamako"
    ],
    [
     "Africa/Bangui",
     "Africa/Bangui"
    ],
    [
     "Africa/Banjul",
     "Africa/Banjul"
    ],
    [
     "Africa/Bissau",
     "Africa/Bissau"
    ],
    [
     "Africa/Blantyre",
     "Africa/Blantyre"
    ],
    [
     "Africa/Brazzaville",
     "Africa/Brazzaville"
    ],
    [
     "Africa/Bujumbura",
     "Africa/Bujumbura"
    ],
    [
     "Africa/Cairo",
     "Africa/Cairo"
    ],
    [
     "Africa/Casablanca",
     "Africa/Casablanca"
    ],
    [
     "Africa/Ceuta",
     "Africa/Ceuta"
    ],
    [
     "Africa/Conakry",
     "Africa/Conakry"
    ],
    [
     "Africa/Dakar",
     "Africa/Dakar"
    ],
    [
     "Africa/Dar_es_Salaam",
     "Africa/Dar_es_Salaam"
    ],
    [
     "Africa/Djibouti",
     "Africa/Djibouti"
    ],
    [
     "Africa/Douala",
     "Africa/Douala"
    ],
    [
     "Africa/El_Aaiun",
     "Africa/El_Aaiun"
    ],
    [
     "Africa/Freetown",
     "Africa/Freetown"
    ],
    [
     "Africa/Gaborone",
     "Africa/Gaborone"
    ],
    [
     "Africa/Harare",
     "Africa/Harare"
    ],
    [
     "Africa/Johannesburg",
     "Africa/Johannesburg"
    ],
    [
     "Africa/Juba",
     "Africa/Juba"
    ],
    [
     "Africa/Kampala",
     "Africa/Kampala"
    ],
    [
     "Africa/Khartoum",
     "Africa/Khartoum"
    ],
    [
     "Africa/Kigali",
     "Africa/Kigali"
    ],
    [
     "Africa/Kinshasa",
     "Africa/Kinshasa"
    ],
    [
     "Africa/Lagos",
     "Africa/Lagos"
    ],
    [
     "Africa/Libreville",
     "Africa/Libreville"
    ],
    [
     "Africa/Lome",
     "Africa/Lome"
    ],
    [
     "Africa/Luanda",
     "Africa/Luanda"
    ],
    [
     "Africa/Lubumbashi",
     "Africa/Lubumbashi"
    ],
    [
     "Africa/Lusaka",
     "Africa/Lusaka"
    ],
    [
     "Africa/Malabo",
     "Africa/Malabo"
    ],
    [
     "Africa/Maputo",
     "Africa/Maputo"
    ],
    [
     "Africa/Maseru",
     "Africa/Maseru"
    ],
    [
     "Africa/Mbabane",
     "Africa/Mbabane"
    ],
    [
     "Africa/Mogadishu",
     "Africa/Mogadishu"
    ],
    [
     "Africa/Monrovia",
     "Africa/Monrovia"
    ],
    [
     "Africa/Nairobi",
     "Africa/Nairobi"
    ],
    [
     "Africa/Ndjamena",
     "Africa/Ndjamena"
    ],
    [
     "Africa/Niamey",
     "Africa/Niamey"
    ],
    [
     "Africa/Nouakchott",
     "Africa/Nouakchott"
    ],
    [
     "Africa/Ouagadougou",
     "Africa/Ouagadougou"
    ],
    [
     "Africa/Porto-Novo",
     "Africa/Porto-Novo"
    ],
    [
     "Africa/Sao_Tome",
     "Africa/Sao_Tome"
    ],
    [
     "Africa/Timbuktu",
     "Africa/Timbuktu"
    ],
    [
     "Africa/Tripoli",
     "Africa/Tripoli"
    ],
    [
     "Africa/Tunis",
     "Africa/Tunis"
    ],
    [
     "Africa/Windhoek",
     "Africa/Windhoek"
    ],
    [
     "America/Adak",
     "America/Adak"
    ],
    [
     "America/Anchorage",
     "America/Anchorage"
    ],
    [
     "America/Anguilla",
     "America/Anguilla"
    ],
    [
     "America/Antigua",
     "America/Antigua"
    ],
    [
     "America/Araguaina",
     "America/Araguaina"
    ],
    [
     "America/Argentina/Buenos_Aires",
     "America/Argentina/Buenos_Aires"
    ],
    [
     "America/Argentina/Catamarca",
     "America/Argentina/Catamarca"
    ],
    [
     "America/Argentina/ComodRivadavia",
     "America/Argentina/ComodRivadavia"
    ],
    [
     "America/Argentina/Cordoba",
     "America/Argentina/Cordoba"
    ],
    [
     "America/Argentina/Jujuy",
     "America/Argentina/Jujuy"
    ],
    [
     "America/Argentina/La_Rioja",
     "America/Argentina/La_Rioja"
    ],
    [
     "America/Argentina/Mendoza",
     "America/Argentina/Mendoza"
    ],
    [
     "America/Argentina/Rio_Gallegos",
     "America/Argentina/Rio_Gallegos"
    ],
    [
     "America/Argentina/Salta",
     "America/Argentina/Salta"
    ],
    [
     "America/Argentina/San_Juan",
     "America/Argentina/San_Juan"
    ],
    [
     "America/Argentina/San_Luis",
     "America/Argentina/San_Luis"
    ],
    [
     "America/Argentina/Tucuman",
     "America/Argentina/Tucuman"
    ],
    [
     "America/Argentina/Ushuaia",
     "America/Argentina/Ushuaia"
    ],
    [
     "America/Aruba",
     "America/Aruba"
    ],
    [
     "America/Asuncion",
     "America/Asuncion"
    ],
    [
     "America/Atikokan",
     "America/Atikokan"
    ],
    [
     "America/Atka",
     "America/Atka"
    ],
    [
     "America/Bahia",
     "America/Bahia"
    ],
    [
     "America/Bahia_Banderas",
     "America/Bahia_Banderas"
    ],
    [
     "America/Barbados",
     "America/Barbados"
    ],
    [
     "America/Belem",
     "America/Belem"
    ],
    [
     "America/Belize",
     "America/Belize"
    ],
    [
     "America/Blanc-Sablon",
     "America/Blanc-Sablon"
    ],
    [
     "America/Boa_Vista",
     "America/Boa_Vista"
    ],
    [
     "America/Bogota",
     "America/Bogota"
    ],
    [
     "America/Boise",
     "America/Boise"
    ],
    [
     "America/Buenos_Aires",
     "America/Buenos_Aires"
    ],
    [
     "America/Cambridge_Bay",
     "America/Cambridge_Bay"
    ],
    [
     "America/Campo_Grande",
     "America/Campo_Grande"
    ],
    [
     "America/Cancun",
     "America/Cancun"
    ],
    [
     "America/Caracas",
     "America/Caracas"
    ],
    [
     "America/Catamarca",
     "America/Catamarca"
    ],
    [
     "America/Cayenne",
     "America/Cayenne"
    ],
    [
     "America/Cayman",
     "America/Cayman"
    ],
    [
     "America/Chicago",
     "America/Chicago"
    ],
    [
     "America/Chihuahua",
     "America/Chihuahua"
    ],
    [
     "America/Ciudad_Juarez",
     "America/Ciudad_Juarez"
    ],
    [
     "America/Coral_Harbour",
     "America/Coral_Harbour"
    ],
    [
     "America/Cordoba",
     "America/Cordoba"
    ],
    [
     "America/Costa_Rica",
     "America/Costa_Rica"
    ],
    [
     "America/Coyhaique",
     "America/Coyhaique"
    ],
    [
     "America/Creston",
     "America/Creston"
    ],
    [
     "America/Cuiaba",
     "America/Cuiaba"
    ],
    [
     "America/Curacao",
     "America/Curacao"
    ],
    [
     "America/Danmarkshavn",
     "America/Danmarkshavn"
    ],
    [
     "America/Dawson",
     "America/Dawson"
    ],
    [
     "America/Dawson_Creek",
     "America/Dawson_Creek"
    ],
    [
     "America/Denver",
     "America/Denver"
    ],
    [
     "America/Detroit",
     "America/Detroit"
    ],
    [
     "America/Dominica",
     "America/Dominica"
    ],
    [
     "America/Edmonton",
     "America/Edmonton"
    ],
    [
     "America/Eirunepe",
     "America/Eirunepe"
    ],
    [
     "America/El_Salvador",
     "America/El_Salvador"
    ],
    [
     "America/Ensenada",
     "America/Ensenada"
    ],
    [
     "America/Fort_Nelson",
     "America/Fort_Nelson"
    ],
    [
     "America/Fort_Wayne",
     "America/Fort_Wayne"
    ],
    [
     "America/Fortaleza",
     "America/Fortaleza"
    ],
    [
     "America/Glace_Bay",
     "America/Glace_Bay"
    ],
    [
     "America/Godthab",
     "America/Godthab"
    ],
    [
     "America/Goose_Bay",
     "America/Goose_Bay"
    ],
    [
     "America/Grand_Turk",
     "America/Grand_Turk"
    ],
    [
     "America/Grenada",
     "America/Grenada"
    ],
    [
     "America/Guadeloupe",
     "America/Guadeloupe"
    ],
    [
     "America/Guatemala",
     "America/Guatemala"
    ],
    [
     "America/Guayaquil",
     "America/Guayaquil"
    ],
    [
     "America/Guyana",
     "America/Guyana"
    ],
    [
     "America/Halifax",
     "America/Halifax"
    ],
    [
     "America/Havana",
     "America/Havana"
    ],
    [
     "America/Hermosillo",
     "America/Hermosillo"
    ],
    [
     "America/Indiana/Indianapolis",
     "America/Indiana/Indianapolis"
    ],
    [
     "America/Indiana/Knox",
     "America/Indiana/Knox"
    ],
    [
     "America/Indiana/Marengo",
     "America/Indiana/Marengo"
    ],
    [
     "America/Indiana/Petersburg",
     "America/Indiana/Petersburg"
    ],
    [
     "America/Indiana/Tell_City",
     "America/Indiana/Tell_City"
    ],
    [
     "America/Indiana/Vevay",
     "America/Indiana/Vevay"
    ],
    [
     "America/Indiana/Vincennes",
     "America/Indiana/Vincennes"
    ],
    [
     "America/Indiana/Winamac",
     "America/Indiana/Winamac"
    ],
    [
     "America/Indianapolis",
     "America/Indianapolis"
    ],
    [
     "America/Inuvik",
     "America/Inuvik"
    ],
    [
     "America/Iqaluit",
     "America/Iqaluit"
    ],
    [
     "America/Jamaica",
     "America/Jamaica"
    ],
    [
     "America/Jujuy",
     "America/Jujuy"
    ],
    [
     "America/Juneau",
     "America/Juneau"
    ],
    [
     "America/Kentucky/Louisville",
     "America/Kentucky/Louisville"
    ],
    [
     "America/Kentucky/Monticello",
     "America/Kentucky/Monticello"
    ],
    [
     "America/Knox_IN",
     "America/Knox_IN"
    ],
    [
     "America/Kralendijk",
     "America/Kralendijk"
    ],
    [
     "America/La_Paz",
     "America/La_Paz"
    ],
    [
     "America/Lima",
     "America/Lima"
    ],
    [
     "America/Los_Angeles",
     "America/Los_Angeles"
    ],
    [
     "America/Louisville",
     "America/Louisville"
    ],
    [
     "America/Lower_Princes",
     "America/Lower_Princes"
    ],
    [
     "America/Maceio",
     "America/Maceio"
    ],
    [
     "America/Managua",
     "America/Managua"
    ],
    [
     "America/Manaus",
     "America/Manaus"
    ],
    [
     "America/Marigot",
     "America/Marigot"
    ],
    [
     "America/Martinique",
     "America/Martinique"
    ],
    [
     "America/Matamoros",
     "America/Matamoros"
    ],
    [
     "America/Mazatlan",
     "America/Mazatlan"
    ],
    [
     "America/Mendoza",
     "America/Mendoza"
    ],
    [
     "America/Menominee",
     "America/Menominee"
    ],
    [
     "America/Merida",
     "America/Merida"
    ],
    [
     "America/Metlakatla",
     "America/Metlakatla"
    ],
    [
     "America/Mexico_City",
     "America/Mexico_City"
    ],
    [
     "America/Miquelon",
     "America/Miquelon"
    ],
    [
     "America/Moncton",
     "America/Moncton"
    ],
    [
     "America/Monterrey",
     "America/Monterrey"
    ],
    [
     "America/Montevideo",
     "America/Montevideo"
    ],
    [
     "America/Montreal",
     "America/Montreal"
    ],
    [
     "America/Montserrat",
     "America/Montserrat"
    ],
    [
     "America/Nassau",
     "America/Nassau"
    ],
    [
     "America/New_York",
     "America/New_York"
    ],
    [
     "America/Nipigon",
     "America/Nipigon"
    ],
    [
     "America/Nome",
     "America/Nome"
    ],
    [
     "America/Noronha",
     "America/Noronha"
    ],
    [
     "America/North_Dakota/Beulah",
     "America/North_Dakota/Beulah"
    ],
    [
     "America/North_Dakota/Center",
     "America/North_Dakota/Center"
    ],
    [
     "America/North_Dakota/New_Salem",
     "America/North_Dakota/New_Salem"
    ],
    [
     "America/Nuuk",
     "America/Nuuk"
    ],
    [
     "America/Ojinaga",
     "America/Ojinaga"
    ],
    [
     "America/Panama",
     "America/Panama"
    ],
    [
     "America/Pangnirtung",
     "America/Pangnirtung"
    ],
    [
     "America/Paramaribo",
     "America/Paramaribo"
    ],
    [
     "America/Phoenix",
     "America/Phoenix"
    ],
    [
     "America/Port-au-Prince",
     "America/Port-au-Prince"
    ],
    [
     "America/Port_of_Spain",
     "America/Port_of_Spain"
    ],
    [
     "America/Porto_Acre",
     "America/Porto_Acre"
    ],
    [
     "America/Porto_Velho",
     "America/Porto_Velho"
    ],
    [
     "America/Puerto_Rico",
     "America/Puerto_Rico"
    ],
    [
     "America/Punta_Arenas",
     "America/Punta_Arenas"
    ],
    [
     "America/Rainy_River",
     "America/Rainy_River"
    ],
    [
     "America/Rankin_Inlet",
     "America/Rankin_Inlet"
    ],
    [
     "America/Recife",
     "America/Recife"
    ],
    [
     "America/Regina",
     "America/Regina"
    ],
    [
     "America/Resolute",
     "America/Resolute"
    ],
    [
     "America/Rio_Branco",
     "America/Rio_Branco"
    ],
    [
     "America/Rosario",
     "America/Rosario"
    ],
    [
     "America/Santa_Isabel",
     "America/Santa_Isabel"
    ],
    [
     "America/Santarem",
     "America/Santarem"
    ],
    [
     "America/Santiago",
     "America/Santiago"
    ],
    [
     "America/Santo_Domingo",
     "America/Santo_Domingo"
    ],
    [
     "America/Sao_Paulo",
     "America/Sao_Paulo"
    ],
    [
     "America/Scoresbysund",
     "America/Scoresbysund"
    ],
    [
     "America/Shiprock",
     "America/Shiprock"
    ],
    [
     "America/Sitka",
     "America/Sitka"
    ],
    [
     "America/St_Barthelemy",
     "America/St_Barthelemy"
    ],
    [
     "America/St_Johns",
     "America/St_Johns"
    ],
    [
     "America/St_Kitts",
     "America/St_Kitts"
    ],
    [
     "America/St_Lucia",
     "America/St_Lucia"
    ],
    [
     "America/St_Thomas",
     "America/St_Thomas"
    ],
    [
     "America/St_Vincent",
     "America/St_Vincent"
    ],
    [
     "America/Swift_Current",
     "America/Swift_Current"
    ],
    [
     "America/Tegucigalpa",
     "America/Tegucigalpa"
    ],
    [
     "America/Thule",
     "America/Thule"
    ],
    [
     "America/Thunder_Bay",
     "America/Thunder_Bay"
    ],
    [
     "America/Tijuana",
     "America/Tijuana"
    ],
    [
     "America/Toronto",
     "America/Toronto"
    ],
    [
     "America/Tortola",
     "America/Tortola"
    ],
    [
     "America/Vancouver",
     "America/Vancouver"
    ],
    [
     "America/Virgin",
     "America/Virgin"
    ],
    [
     "America/Whitehorse",
     "America/Whitehorse"
    ],
    [
     "America/Winnipeg",
     "America/Winnipeg"
    ],
    [
     "America/Yakutat",
     "America/Yakutat"
    ],
    [
     "America/Yellowknife",
     "America/Yellowknife"
    ],
    [
     "Antarctica/Casey",
     "Antarctica/Casey"
    ],
    [
     "Antarctica/Davis",
     "Antarctica/Davis"
    ],
    [
     "Antarctica/DumontDUrville",
     "Antarctica/DumontDUrville"
    ],
    [
     "Antarctica/Macquarie",
     "Antarctica/Macquarie"
    ],
    [
     "Antarctica/Mawson",
     "Antarctica/Mawson"
    ],
    [
     "Antarctica/McMurdo",
     "Antarctica/McMurdo"
    ],
    [
     "Antarctica/Palmer",
     "Antarctica/Palmer"
    ],
    [
     "Antarctica/Rothera",
     "Antarctica/Rothera"
    ],
    [
     "Antarctica/South_Pole",
     "Antarctica/South_Pole"
    ],
    [
     "Antarctica/Syowa",
     "Antarctica/Syowa"
    ],
    [
     "Antarctica/Troll",
     "Antarctica/Troll"
    ],
    [
     "Antarctica/Vostok",
     "Antarctica/Vostok"
    ],
    [
     "Arctic/Longyearbyen",
     "Arctic/Longyearbyen"
    ],
    [
     "Asia/Aden",
     "Asia/Aden"
    ],
    [
     "Asia/Almaty",
     "Asia/Almaty"
    ],
    [
     "Asia/Amman",
     "Asia/Amman"
    ],
    [
     "Asia/Anadyr",
     "Asia/Anadyr"
    ],
    [
     "Asia/Aqtau",
     "Asia/Aqtau"
    ],
    [
     "Asia/Aqtobe",
     "Asia/Aqtobe"
    ],
    [
     "Asia/Ashgabat",
     "Asia/Ashgabat"
    ],
    [
     "Asia/Ashkhabad",
     "Asia/Ashkhabad"
    ],
    [
     "Asia/Atyrau",
     "Asia/Atyrau"
    ],
    [
     "Asia/Baghdad",
     "Asia/Baghdad"
    ],
    [
     "Asia/Bahrain",
     "Asia/Bahrain"
    ],
    [
     "Asia/Baku",
     "Asia/Baku"
    ],
    [
     "Asia/Bangkok",
     "Asia/Bangkok"
    ],
    [
     "Asia/Barnaul",
     "Asia/Barnaul"
    ],
    [
     "Asia/Beirut",
     "Asia/Beirut"
    ],
    [
     "Asia/Bishkek",
     "Asia/Bishkek"
    ],
    [
     "Asia/Brunei",
     "Asia/Brunei"
    ],
    [
     "Asia/Calcutta",
     "Asia/Calcutta"
    ],
    [
     "Asia/Chita",
     "Asia/Chita"
    ],
    [
     "Asia/Choibalsan",
     "Asia/Choibalsan"
    ],
    [
     "Asia/Chongqing",
     "Asia/Chongqing"
    ],
    [
     "Asia/Chungking",
     "Asia/Chungking"
    ],
    [
     "Asia/Colombo",
     "Asia/Colombo"
    ],
    [
     "Asia/Dacca",
     "Asia/Dacca"
    ],
    [
     "Asia/Damascus",
     "Asia/Damascus"
    ],
    [
     "Asia/Dhaka",
     "Asia/Dhaka"
    ],
    [
     "Asia/Dili",
     "Asia/Dili"
    ],
    [
     "Asia/Dubai",
     "Asia/Dubai"
    ],
    [
     "Asia/Dushanbe",
     "Asia/Dushanbe"
    ],
    [
     "Asia/Famagusta",
     "Asia/Famagusta"
    ],
    [
     "Asia/Gaza",
     "Asia/Gaza"
    ],
    [
     "Asia/Harbin",
     "Asia/Harbin"
    ],
    [
     "Asia/Hebron",
     "Asia/Hebron"
    ],
    [
     "Asia/Ho_Chi_Minh",
     "Asia/Ho_Chi_Minh"
    ],
    [
     "Asia/Hong_Kong",
     "Asia/Hong_Kong"
    ],
    [
     "Asia/Hovd",
     "Asia/Hovd"
    ],
    [
     "Asia/Irkutsk",
     "Asia/Irkutsk"
    ],
    [
     "Asia/Istanbul",
     "Asia/Istanbul"
    ],
    [
     "Asia/Jakarta",
     "Asia/Jakarta"
    ],
    [
     "Asia/Jayapura",
     "Asia/Jayapura"
    ],
    [
     "Asia/Jerusalem",
     "Asia/Jerusalem"
    ],
    [
     "Asia/Kabul",
     "Asia/Kabul"
    ],
    [
     "Asia/Kamchatka",
     "Asia/Kamchatka"
    ],
    [
     "Asia/Karachi",
     "Asia/Karachi"
    ],
    [
     "Asia/Kashgar",
     "Asia/Kashgar"
    ],
    [
     "Asia/Kathmandu",
     "Asia/Kathmandu"
    ],
    [
     "Asia/Katmandu",
     "Asia/Katmandu"
    ],
    [
     "Asia/Khandyga",
     "Asia/Khandyga"
    ],
    [
     "Asia/Kolkata",
     "Asia/Kolkata"
    ],
    [
     "Asia/Krasnoyarsk",
     "Asia/Krasnoyarsk"
    ],
    [
     "Asia/Kuala_Lumpur",
     "Asia/Kuala_Lumpur"
    ],
    [
     "Asia/Kuching",
     "Asia/Kuching"
    ],
    [
     "Asia/Kuwait",
     "Asia/Kuwait"
    ],
    [
     "Asia/Macao",
     "Asia/Macao"
    ],
    [
     "Asia/Macau",
     "Asia/Macau"
    ],
    [
     "Asia/Magadan",
     "Asia/Magadan"
    ],
    [
     "Asia/Makassar",
     "Asia/Makassar"
    ],
    [
     "Asia/Manila",
     "Asia/Manila"
    ],
    [
     "Asia/Muscat",
     "Asia/Muscat"
    ],
    [
     "Asia/Nicosia",
     "Asia/Nicosia"
    ],
    [
     "Asia/Novokuznetsk",
     "Asia/Novokuznetsk"
    ],
    [
     "Asia/Novosibirsk",
     "Asia/Novosibirsk"
    ],
    [
     "Asia/Omsk",
     "Asia/Omsk"
    ],
    [
     "Asia/Oral",
     "Asia/Oral"
    ],
    [
     "Asia/Phnom_Penh",
     "Asia/Phnom_Penh"
    ],
    [
     "Asia/Pontianak",
     "Asia/Pontianak"
    ],
    [
     "Asia/Pyongyang",
     "Asia/Pyongyang"
    ],
    [
     "Asia/Qatar",
     "Asia/Qatar"
    ],
    [
     "Asia/Qostanay",
     "Asia/Qostanay"
    ],
    [
     "Asia/Qyzylorda",
     "Asia/Qyzylorda"
    ],
    [
     "Asia/Rangoon",
     "Asia/Rangoon"
    ],
    [
     "Asia/Riyadh",
     "Asia/Riyadh"
    ],
    [
     "Asia/Saigon",
     "Asia/Saigon"
    ],
    [
     "Asia/Sakhalin",
     "Asia/Sakhalin"
    ],
    [
     "Asia/Samarkand",
     "Asia/Samarkand"
    ],
    [
     "Asia/Seoul",
     "Asia/Seoul"
    ],
    [
     "Asia/Shanghai",
     "Asia/Shanghai"
    ],
    [
     "Asia/Singapore",
     "Asia/Singapore"
    ],
    [
     "Asia/Srednekolymsk",
     "Asia/Srednekolymsk"
    ],
    [
     "Asia/Taipei",
     "Asia/Taipei"
    ],
    [
     "Asia/Tashkent",
     "Asia/Tashkent"
    ],
    [
     "Asia/Tbilisi",
     "Asia/Tbilisi"
    ],
    [
     "Asia/Tehran",
     "Asia/Tehran"
    ],
    [
     "Asia/Tel_Aviv",
     "Asia/Tel_Aviv"
    ],
    [
     "Asia/Thimbu",
     "Asia/Thimbu"
    ],
    [
     "Asia/Thimphu",
     "Asia/Thimphu"
    ],
    [
     "Asia/Tokyo",
     "Asia/Tokyo"
    ],
    [
     "Asia/Tomsk",
     "Asia/Tomsk"
    ],
    [
     "Asia/Ujung_Pandang",
     "Asia/Ujung_Pandang"
    ],
    [
     "Asia/Ulaanbaatar",
     "Asia/Ulaanbaatar"
    ],
    [
     "Asia/Ulan_Bator",
     "Asia/Ulan_Bator"
    ],
    [
     "Asia/Urumqi",
     "Asia/Urumqi"
    ],
    [
     "Asia/Ust-Nera",
     "Asia/Ust-Nera"
    ],
    [
     "Asia/Vientiane",
     "Asia/Vientiane"
    ],
    [
     "Asia/Vladivostok",
     "Asia/Vladivostok"
    ],
    [
     "Asia/Yakutsk",
     "Asia/Yakutsk"
    ],
    [
     "Asia/Yangon",
     "Asia/Yangon"
    ],
    [
     "Asia/Yekaterinburg",
     "Asia/Yekaterinburg"
    ],
    [
     "Asia/Yerevan",
     "Asia/Yerevan"
    ],
    [
     "Atlantic/Azores",
     "Atlantic/Azores"
    ],
    [
     "Atlantic/Bermuda",
     "Atlantic/Bermuda"
    ],
    [
     "Atlantic/Canary",
     "Atlantic/Canary"
    ],
    [
     "Atlantic/Cape_Verde",
     "Atlantic/Cape_Verde"
    ],
    [
     "Atlantic/Faeroe",
     "Atlantic/Faeroe"
    ],
    [
     "Atlantic/Faroe",
     "Atlantic/Faroe"
    ],
    [
     "Atlantic/Jan_Mayen",
     "Atlantic/Jan_Mayen"
    ],
    [
     "Atlantic/Madeira",
     "Atlantic/Madeira"
    ],
    [
     "Atlantic/Reykjavik",
     "Atlantic/Reykjavik"
    ],
    [
     "Atlantic/South_Georgia",
     "Atlantic/South_Georgia"
    ],
    [
     "Atlantic/St_Helena",
     "Atlantic/St_Helena"
    ],
    [
     "Atlantic/Stanley",
     "Atlantic/Stanley"
    ],
    [
     "Australia/ACT",
     "Australia/ACT"
    ],
    [
     "Australia/Adelaide",
     "Australia/Adelaide"
    ],
    [
     "Australia/Brisbane",
     "Australia/Brisbane"
    ],
    [
     "Australia/Broken_Hill",
     "Australia/Broken_Hill"
    ],
    [
     "Australia/Canberra",
     "Australia/Canberra"
    ],
    [
     "Australia/Currie",
     "Australia/Currie"
    ],
    [
     "Australia/Darwin",
     "Australia/Darwin"
    ],
    [
     "Australia/Eucla",
     "Australia/Eucla"
    ],
    [
     "Australia/Hobart",
     "Australia/Hobart"
    ],
    [
     "Australia/LHI",
     "Australia/LHI"
    ],
    [
     "Australia/Lindeman",
     "Australia/Lindeman"
    ],
    [
     "Australia/Lord_Howe",
     "Australia/Lord_Howe"
    ],
    [
     "Australia/Melbourne",
     "Australia/Melbourne"
    ],
    [
     "Australia/NSW",
     "Australia/NSW"
    ],
    [
     "Australia/North",
     "Australia/North"
    ],
    [
     "Australia/Perth",
     "Australia/Perth"
    ],
    [
     "Australia/Queensland",
     "Australia/Queensland"
    ],
    [
     "Australia/South",
     "Australia/South"
    ],
    [
     "Australia/Sydney",
     "Australia/Sydney"
    ],
    [
     "Australia/Tasmania",
     "Australia/Tasmania"
    ],
    [
     "Australia/Victoria",
     "Australia/Victoria"
    ],
    [
     "Australia/West",
     "Australia/West"
    ],
    [
     "Australia/Yancowinna",
     "Australia/Yancowinna"
    ],
    [
     "Brazil/Acre",
     "Brazil/Acre"
    ],
    [
     "Brazil/DeNoronha",
     "Brazil/DeNoronha"
    ],
    [
     "Brazil/East",
     "Brazil/East"
    ],
    [
     "Brazil/West",
     "Brazil/West"
    ],
    [
     "CET",
     "CET"
    ],
    [
     "CST6CDT",
     "CST6CDT"
    ],
    [
     "Canada/Atlantic",
     "Canada/Atlantic"
    ],
    [
     "Canada/Central",
     "Canada/Central"
    ],
    [
     "Canada/Eastern",
     "Canada/Eastern"
    ],
    [
     "Canada/Mountain",
     "Canada/Mountain"
    ],
    [
     "Canada/Newfoundland",
     "Canada/Newfoundland"
    ],
    [
     "Canada/Pacific",
     "Canada/Pacific"
    ],
    [
     "Canada/Saskatchewan",
     "Canada/Saskatchewan"
    ],
    [
     "Canada/Yukon",
     "Canada/Yukon"
    ],
    [
     "Chile/Continental",
     "Chile/Continental"
    ],
    [
     "Chile/EasterIsland",
     "Chile/EasterIsland"
    ],
    [
     "Cuba",
     "Cuba"
    ],
    [
     "EET",
     "EET"
    ],
    [
     "EST",
     "EST"
    ],
    [
     "EST5EDT",
     "EST5EDT"
    ],
    [
     "Egypt",
     "Egypt"
    ],
    [
     "Eire",
     "Eire"
    ],
    [
     "Europe/Amsterdam",
     "Europe/Amsterdam"
    ],
    [
     "Europe/Andorra",
     "Europe/Andorra"
    ],
    [
     "Europe/Astrakhan",
     "Europe/Astrakhan"
    ],
    [
     "Europe/Athens",
     "Europe/Athens"
    ],
    [
     "Europe/Belfast",
     "Europe/Belfast"
    ],
    [
     "Europe/Belgrade",
     "Europe/Belgrade"
    ],
    [
     "Europe/Berlin",
     "Europe/Berlin"
    ],
    [
     "Europe/Bratislava",
     "Europe/Bratislava"
    ],
    [
     "Europe/Brussels",
     "Europe/Brussels"
    ],
    [
     "Europe/Bucharest",
     "Europe/Bucharest"
    ],
    [
     "Europe/Budapest",
     "Europe/Budapest"
    ],
    [
     "Europe/Busingen",
     "Europe/Busingen"
    ],
    [
     "Europe/Chisinau",
     "Europe/Chisinau"
    ],
    [
     "Europe/Copenhagen",
     "Europe/Copenhagen"
    ],
    [
     "Europe/Dublin",
     "Europe/Dublin"
    ],
    [
     "Europe/Gibraltar",
     "Europe/Gibraltar"
    ],
    [
     "Europe/Guernsey",
     "Europe/Guernsey"
    ],
    [
     "Europe/Helsinki",
     "Europe/Helsinki"
    ],
    [
     "Europe/Isle_of_Man",
     "Europe/Isle_of_Man"
    ],
    [
     "Europe/Istanbul",
     "Europe/Istanbul"
    ],
    [
     "Europe/Jersey",
     "Europe/Jersey"
    ],
    [
     "Europe/Kaliningrad",
     "Europe/Kaliningrad"
    ],
    [
     "Europe/Kiev",
     "Europe/Kiev"
    ],
    [
     "Europe/Kirov",
     "Europe/Kirov"
    ],
    [
     "Europe/Kyiv",
     "Europe/Kyiv"
    ],
    [
     "Europe/Lisbon",
     "Europe/Lisbon"
    ],
    [
     "Europe/Ljubljana",
     "Europe/Ljubljana"
    ],
    [
     "Europe/London",
     "Europe/London"
    ],
    [
     "Europe/Luxembourg",
     "Europe/Luxembourg"
    ],
    [
     "Europe/Madrid",
     "Europe/Madrid"
    ],
    [
     "Europe/Malta",
     "Europe/Malta"
    ],
    [
     "Europe/Mariehamn",
     "Europe/Mariehamn"
    ],
    [
     "Europe/Minsk",
     "Europe/Minsk"
    ],
    [
     "Europe/Monaco",
     "Europe/Monaco"
    ],
    [
     "Europe/Moscow",
     "Europe/Moscow"
    ],
    [
     "Europe/Nicosia",
     "Europe/Nicosia"
    ],
    [
     "Europe/Oslo",
     "Europe/Oslo"
    ],
    [
     "Europe/Paris",
     "Europe/Paris"
    ],
    [
     "Europe/Podgorica",
     "Europe/Podgorica"
    ],
    [
     "Europe/Prague",
     "Europe/Prague"
    ],
    [
     "Europe/Riga",
     "Europe/Riga"
    ],
    [
     "Europe/Rome",
     "Europe/Rome"
    ],
    [
     "Europe/Samara",
     "Europe/Samara"
    ],
    [
     "Europe/San_Marino",
     "Europe/San_Marino"
    ],
    [
     "Europe/Sarajevo",
     "Europe/Sarajevo"
    ],
    [
     "Europe/Saratov",
     "Europe/Saratov"
    ],
    [
     "Europe/Simferopol",
     "Europe/Simferopol"
    ],
    [
     "Europe/Skopje",
     "Europe/Skopje"
    ],
    [
     "Europe/Sofia",
     "Europe/Sofia"
    ],
    [
     "Europe/Stockholm",
     "Europe/Stockholm"
    ],
    [
     "Europe/Tallinn",
     "Europe/Tallinn"
    ],
    [
     "Europe/Tirane",
     "Europe/Tirane"
    ],
    [
     "Europe/Tiraspol",
     "Europe/Tiraspol"
    ],
    [
     "Europe/Ulyanovsk",
     "Europe/Ulyanovsk"
    ],
    [
     "Europe/Uzhgorod",
     "Europe/Uzhgorod"
    ],
    [
     "Europe/Vaduz",
     "Europe/Vaduz"
    ],
    [
     "Europe/Vatican",
     "Europe/Vatican"
    ],
    [
     "Europe/Vienna",
     "Europe/Vienna"
    ],
    [
     "Europe/Vilnius",
     "Europe/Vilnius"
    ],
    [
     "Europe/Volgograd",
     "Europe/Volgograd"
    ],
    [
     "Europe/Warsaw",
     "Europe/Warsaw"
    ],
    [
     "Europe/Zagreb",
     "Europe/Zagreb"
    ],
    [
     "Europe/Zaporozhye",
     "Europe/Zaporozhye"
    ],
    [
     "Europe/Zurich",
     "Europe/Zurich"
    ],
    [
     "GB",
     "GB"
    ],
    [
     "GB-Eire",
     "GB-Eire"
    ],
    [
     "GMT",
     "GMT"
    ],
    [
     "GMT+0",
     "GMT+0"
    ],
    [
     "GMT-0",
     "GMT-0"
    ],
    [
     "GMT0",
     "GMT0"
    ],
    [
     "Greenwich",
     "Greenwich"
    ],
    [
     "HST",
     "HST"
    ],
    [
     "Hongkong",
     "Hongkong"
    ],
    [
     "Iceland",
     "Iceland"
    ],
    [
     "Indian/Antananarivo",
     "Indian/Antananarivo"
    ],
    [
     "Indian/Chagos",
     "Indian/Chagos"
    ],
    [
     "Indian/Christmas",
     "Indian/Christmas"
    ],
    [
     "Indian/Cocos",
     "Indian/Cocos"
    ],
    [
     "Indian/Comoro",
     "Indian/Comoro"
    ],
    [
     "Indian/Kerguelen",
     "Indian/Kerguelen"
    ],
    [
     "Indian/Mahe",
     "Indian/Mahe"
    ],
    [
     "Indian/Maldives",
     "Indian/Maldives"
    ],
    [
     "Indian/Mauritius",
     "Indian/Mauritius"
    ],
    [
     "Indian/Mayotte",
     "Indian/Mayotte"
    ],
    [
     "Indian/Reunion",
     "Indian/Reunion"
    ],
    [
     "Iran",
     "Iran"
    ],
    [
     "Israel",
     "Israel"
    ],
    [
     "Jamaica",
     "Jamaica"
    ],
    [
     "Japan",
     "Japan"
    ],
    [
     "Kwajalein",
     "Kwajalein"
    ],
    [
     "Libya",
     "Libya"
    ],
    [
     "MET",
     "MET"
    ],
    [
     "MST",
     "MST"
    ],
    [
     "MST7MDT",
     "MST7MDT"
    ],
    [
     "Mexico/BajaNorte",
     "Mexico/BajaNorte"
    ],
    [
     "Mexico/BajaSur",
     "Mexico/BajaSur"
    ],
    [
     "Mexico/General",
     "Mexico/General"
    ],
    [
     "NZ",
     "NZ"
    ],
    [
     "NZ-CHAT",
     "NZ-CHAT"
    ],
    [
     "Navajo",
     "Navajo"
    ],
    [
     "PRC",
     "PRC"
    ],
    [
     "PST8PDT",
     "PST8PDT"
    ],
    [
     "Pacific/Apia",
     "Pacific/Apia"
    ],
    [
     "Pacific/Auckland",
     "Pacific/Auckland"
    ],
    [
     "Pacific/Bougainville",
     "Pacific/Bougainville"
    ],
    [
     "Pacific/Chatham",
     "Pacific/Chatham"
    ],
    [
     "Pacific/Chuuk",
     "Pacific/Chuuk"
    ],
    [
     "Pacific/Easter",
     "Pacific/Easter"
    ],
    [
     "Pacific/Efate",
     "Pacific/Efate"
    ],
    [
     "Pacific/Enderbury",
     "Pacific/Enderbury"
    ],
    [
     "Pacific/Fakaofo",
     "Pacific/Fakaofo"
    ],
    [
     "Pacific/Fiji",
     "Pacific/Fiji"
    ],
    [
     "Pacific/Funafuti",
     "Pacific/Funafuti"
    ],
    [
     "Pacific/Galapagos",
     "Pacific/Galapagos"
    ],
    [
     "Pacific/Gambier",
     "Pacific/Gambier"
    ],
    [
     "Pacific/Guadalcanal",
     "Pacific/Guadalcanal"
    ],
    [
     "Pacific/Guam",
     "Pacific/Guam"
    ],
    [
     "Pacific/Honolulu",
     "Pacific/Honolulu"
    ],
    [
     "Pacific/Johnston",
     "Pacific/Johnston"
    ],
    [
     "Pacific/Kanton",
     "Pacific/Kanton"
    ],
    [
     "Pacific/Kiritimati",
     "Pacific/Kiritimati"
    ],
    [
     "Pacific/Kosrae",
     "Pacific/Kosrae"
    ],
    [
     "Pacific/Kwajalein",
     "Pacific/Kwajalein"
    ],
    [
     "Pacific/Majuro",
     "Pacific/Majuro"
    ],
    [
     "Pacific/Marquesas",
     "Pacific/Marquesas"
    ],
    [
     "Pacific/Midway",
     "Pacific/Midway"
    ],
    [
     "Pacific/Nauru",
     "Pacific/Nauru"
    ],
    [
     "Pacific/Niue",
     "Pacific/Niue"
    ],
    [
     "Pacific/Norfolk",
     "Pacific/Norfolk"
    ],
    [
     "Pacific/Noumea",
     "Pacific/Noumea"
    ],
    [
     "Pacific/Pago_Pago",
     "Pacific/Pago_Pago"
    ],
    [
     "Pacific/Palau",
     "Pacific/Palau"
    ],
    [
     "Pacific/Pitcairn",
     "Pacific/Pitcairn"
    ],
    [
     "Pacific/Pohnpei",
     "Pacific/Pohnpei"
    ],
    [
     "Pacific/Ponape",
     "Pacific/Ponape"
    ],
    [
     "Pacific/Port_Moresby",
     "Pacific/Port_Moresby"
    ],
    [
     "Pacific/Rarotonga",
     "Pacific/Rarotonga"
    ],
    [
     "Pacific/Saipan",
     "Pacific/Saipan"
    ],
    [
     "Pacific/Samoa",
     "Pacific/Samoa"
    ],
    [
     "Pacific/Tahiti",
     "Pacific/Tahiti"
    ],
    [
     "Pacific/Tarawa",
     "Pacific/Tarawa"
    ],
    [
     "Pacific/Tongatapu",
     "Pacific/Tongatapu"
    ],
    [
     "Pacific/Truk",
     "Pacific/Truk"
    ],
    [
     "Pacific/Wake",
     "Pacific/Wake"
    ],
    [
     "Pacific/Wallis",
     "Pacific/Wallis"
    ],
    [
     "Pacific/Yap",
     "Pacific/Yap"
    ],
    [
     "Poland",
     "Poland"
    ],
    [
     "Portugal",
     "Portugal"
    ],
    [
     "ROC",
     "ROC"
    ],
    [
     "ROK",
     "ROK"
    ],
    [
     "Singapore",
     "Singapore"
    ],
    [
     "Turkey",
     "Turkey"
    ],
    [
     "UCT",
     "UCT"
    ],
    [
     "US/Alaska",
     "US/Alaska"
    ],
    [
     "US/Aleutian",
     "US/Aleutian"
    ],
    [
     "US/Arizona",
     "US/Arizona"
    ],
    [
     "US/Central",
     "US/Central"
    ],
    [
     "US/East-Indiana",
     "US/East-Indiana"
    ],
    [
     "US/Eastern",
     "US/Eastern"
    ],
    [
     "US/Hawaii",
     "US/Hawaii"
    ],
    [
     "US/Indiana-Starke",
     "US/Indiana-Starke"
    ],
    [
     "US/Michigan",
     "US/Michigan"
    ],
    [
     "US/Mountain",
     "US/Mountain"
    ],
    [
     "US/Pacific",
     "US/Pacific"
    ],
    [
     "US/Samoa",
     "US/Samoa"
    ],
    [
     "UTC",
     "UTC"
    ],
    [
     "Universal",
     "Universal"
    ],
    [
     "W-SU",
     "W-SU"
    ],
    [
     "WET",
     "WET"
    ],
    [
     "Zulu",
     "Zulu"
    ],
    [
     "Etc/GMT",
     "Etc/GMT"
    ],
    [
     "Etc/GMT+0",
     "Etc/GMT+0"
    ],
    [
     "Etc/GMT+1",
     "Etc/GMT+1"
    ],
    [
     "Etc/GMT+10",
     "Etc/GMT+10"
    ],
    [
     "Etc/GMT+11",
     "Etc/GMT+11"
    ],
    [
     "Etc/GMT+12",
     "Etc/GMT+12"
    ],
    [
     "Etc/GMT+2",
     "Etc/GMT+2"
    ],
    [
     "Etc/GMT+3",
     "Etc/GMT+3"
    ],
    [
     "Etc/GMT+4",
     "Etc/GMT+4"
    ],
    [
     "Etc/GMT+5",
     "Etc/GMT+5"
    ],
    [
     "Etc/GMT+6",
     "Etc/GMT+6"
    ],
    [
     "Etc/GMT+7",
     "Etc/GMT+7"
    ],
    [
     "Etc/GMT+8",
     "Etc/GMT+8"
    ],
    [
     "Etc/GMT+9",
     "Etc/GMT+9"
    ],
    [
     "Etc/GMT-0",
     "Etc/GMT-0"
    ],
    [
     "Etc/GMT-1",
     "Etc/GMT-1"
    ],
    [
     "Etc/GMT-10",
     "Etc/GMT-10"
    ],
    [
     "Etc/GMT-11",
     "Etc/GMT-11"
    ],
    [
     "Etc/GMT-12",
     "Etc/GMT-12"
    ],
    [
     "Etc/GMT-13",
     "Etc/GMT-13"
    ],
    [
     "Etc/GMT-14",
     "Etc/GMT-14"
    ],
    [
     "Etc/GMT-2",
     "Etc/GMT-2"
    ],
    [
     "Etc/GMT-3",
     "Etc/GMT-3"
    ],
    [
     "Etc/GMT-4",
     "Etc/GMT-4"
    ],
    [
     "Etc/GMT-5",
     "Etc/GMT-5"
    ],
    [
     "Etc/GMT-6",
     "Etc/GMT-6"
    ],
    [
     "Etc/GMT-7",
     "Etc/GMT-7"
    ],
    [
     "Etc/GMT-8",
     "Etc/GMT-8"
    ],
    [
     "Etc/GMT-9",
     "Etc/GMT-9"
    ],
    [
     "Etc/GMT0",
     "Etc/GMT0"
    ],
    [
     "Etc/Greenwich",
     "Etc/Greenwich"
    ],
    [
     "Etc/UCT",
     "Etc/UCT"
    ],
    [
     "Etc/UTC",
     "Etc/UTC"
    ],
    [
     "Etc/Universal",
     "Etc/Universal"
    ],
    [
     "Etc/Zulu",
     "Etc/Zulu"
    ]
   ],
   "store": true,
   "string": "Timezone",
   "type": "selection"
  },
  "tz_offset": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Timezone offset",
   "type": "char"
  },
  "user_id": {
   "readonly": false,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Salesperson",
   "type": "many2one"
  },
  "vat": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Tax ID",
   "type": "char"
  },
  "same_vat_partner_id": {
   "readonly": true,
   "relation": "res.partner",
   "required": false,
   "store": false,
   "string": "Partner with same Tax ID",
   "type": "many2one"
  },
  "same_company_registry_partner_id": {
   "readonly": true,
   "relation": "res.partner",
   "required": false,
   "store": false,
   "string": "Partner with same Company Registry",
   "type": "many2one"
  },
  "company_registry": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Company ID",
   "type": "char"
  },
  "bank_ids": {
   "readonly": false,
   "relation": "res.partner.bank",
   "relation_field": "partner_id",
   "required": false,
   "store": true,
   "string": "Banks",
   "type": "one2many"
  },
  "website": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Website Link",
   "type": "char"
  },
  "comment": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Notes",
   "type": "html"
  },
  "category_id": {
   "readonly": false,
   "relation": "res.partner.category",
   "required": false,
   "store": true,
   "string": "Tags",
   "type": "many2many"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "employee": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Employee",
   "type": "boolean"
  },
  "function": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Job Position",
   "type": "char"
  },
  "type": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "contact",
     "Contact"
    ],
    [
     "invoice",
     "Invoice Address"
    ],
    [
     "delivery",
     "Delivery Address"
    ],
    [
     "other",
     "Other Address"
    ]
   ],
   "store": true,
   "string": "Address Type",
   "type": "selection"
  },
  "street": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Street",
   "type": "char"
  },
  "street2": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Street2",
   "type": "char"
  },
  "zip": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Zip",
   "type": "char"
  },
  "city": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "City",
   "type": "char"
  },
  "state_id": {
   "readonly": false,
   "relation": "res.country.state",
   "required": false,
   "store": true,
   "string": "State",
   "type": "many2one"
  },
  "country_id": {
   "readonly": false,
   "relation": "res.country",
   "required": false,
   "store": true,
   "string": "Country",
   "type": "many2one"
  },
  "country_code": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Country Code",
   "type": "char"
  },
  "partner_latitude": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Geo Latitude",
   "type": "float"
  },
  "partner_longitude": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Geo Longitude",
   "type": "float"
  },
  "email": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Email",
   "type": "char"
  },
  "email_formatted": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Formatted Email",
   "type": "char"
  },
  "phone": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Phone",
   "type": "char"
  },
  "mobile": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Mobile",
   "type": "char"
  },
  "is_company": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Is a Company",
   "type": "boolean"
  },
  "is_public": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Is Public",
   "type": "boolean"
  },
  "industry_id": {
   "readonly": false,
   "relation": "res.partner.industry",
   "required": false,
   "store": true,
   "string": "Industry",
   "type": "many2one"
  },
  "company_type": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "person",
     "Individual"
    ],
    [
     "company",
     "Company"
    ]
   ],
   "store": false,
   "string": "Company Type",
   "type": "selection"
  },
  "company_id": {
   "readonly": false,
   "relation": "res.company",
   "required": true,
   "store": true,
   "string": "Company",
   "type": "many2one"
  },
  "color": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Color Index",
   "type": "integer"
  },
  "user_ids": {
   "readonly": false,
   "relation": "res.users",
   "relation_field": "partner_id",
   "required": false,
   "store": true,
   "string": "Users",
   "type": "one2many"
  },
  "partner_share": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Share Partner",
   "type": "boolean"
  },
  "contact_address": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Complete Address",
   "type": "char"
  },
  "commercial_partner_id": {
   "readonly": true,
   "relation": "res.partner",
   "required": false,
   "store": true,
   "string": "Commercial Entity",
   "type": "many2one"
  },
  "commercial_company_name": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Company Name Entity",
   "type": "char"
  },
  "company_name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Company Name",
   "type": "char"
  },
  "barcode": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Barcode",
   "type": "char"
  },
  "self": {
   "readonly": true,
   "relation": "res.partner",
   "required": false,
   "store": false,
   "string": "Self",
   "type": "many2one"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  },
  "im_status": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "IM Status",
   "type": "char"
  },
  "channel_ids": {
   "readonly": false,
   "relation": "discuss.channel",
   "required": false,
   "store": true,
   "string": "Channels",
   "type": "many2many"
  },
  "contact_address_inline": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Inlined Complete Address",
   "type": "char"
  },
  "starred_message_ids": {
   "readonly": false,
   "relation": "mail.message",
   "required": false,
   "store": true,
   "string": "Starred Message",
   "type": "many2many"
  },
  "signup_token": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Signup Token",
   "type": "char"
  },
  "signup_type": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Signup Token Type",
   "type": "char"
  },
  "signup_expiration": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Signup Expiration",
   "type": "datetime"
  },
  "signup_valid": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Signup Token is Valid",
   "type": "boolean"
  },
  "signup_url": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Signup URL",
   "type": "char"
  },
  "partner_gid": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Company database ID",
   "type": "integer"
  },
  "additional_info": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Additional info",
   "type": "char"
  },
  "phone_sanitized": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Sanitized Number",
   "type": "char"
  },
  "phone_sanitized_blacklisted": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Phone Blacklisted",
   "type": "boolean"
  },
  "phone_blacklisted": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Blacklisted Phone is Phone",
   "type": "boolean"
  },
  "mobile_blacklisted": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Blacklisted Phone Is Mobile",
   "type": "boolean"
  },
  "phone_mobile_search": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Phone/Mobile",
   "type": "char"
  },
  "address": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Address",
   "type": "text"
  },
  "disabled": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date Disabled",
   "type": "datetime"
  },
  "disabled_reason": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Reason for Disabling",
   "type": "text"
  },
  "disabled_by": {
   "readonly": false,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Disabled By",
   "type": "many2one"
  },
  "reg_ids": {
   "readonly": false,
   "relation": "g2p.reg.id",
   "relation_field": "partner_id",
   "required": false,
   "store": true,
   "string": "Registrant IDs",
   "type": "one2many"
  },
  "is_registrant": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Registrant",
   "type": "boolean"
  },
  "is_group": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Group",
   "type": "boolean"
  },
  "related_1_ids": {
   "readonly": false,
   "relation": "g2p.reg.rel",
   "relation_field": "destination",
   "required": false,
   "store": true,
   "string": "Related to registrant 1",
   "type": "one2many"
  },
  "related_2_ids": {
   "readonly": false,
   "relation": "g2p.reg.rel",
   "relation_field": "source",
   "required": false,
   "store": true,
   "string": "Related to registrant 2",
   "type": "one2many"
  },
  "phone_number_ids": {
   "readonly": false,
   "relation": "g2p.phone.number",
   "relation_field": "partner_id",
   "required": false,
   "store": true,
   "string": "Phone Numbers",
   "type": "one2many"
  },
  "registration_date": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Registration Date",
   "type": "date"
  },
  "tags_ids": {
   "readonly": false,
   "relation": "g2p.registrant.tags",
   "required": false,
   "store": true,
   "string": "Tags",
   "type": "many2many"
  },
  "civil_status": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "CivilState",
   "type": "char"
  },
  "occupation": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Occupation",
   "type": "char"
  },
  "income": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Income",
   "type": "float"
  },
  "district": {
   "readonly": false,
   "relation": "g2p.district",
   "required": false,
   "store": true,
   "string": "District",
   "type": "many2one"
  },
  "kind": {
   "readonly": false,
   "relation": "g2p.group.kind",
   "required": false,
   "store": true,
   "string": "Kind",
   "type": "many2one"
  },
  "is_partial_group": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Partial Group",
   "type": "boolean"
  },
  "kind_as_str": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Kind",
   "type": "char"
  },
  "family_name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Family Name",
   "type": "char"
  },
  "given_name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Given Name",
   "type": "char"
  },
  "addl_name": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Additional Name",
   "type": "char"
  },
  "birth_place": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Birth Place",
   "type": "char"
  },
  "birthdate_not_exact": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Approximate Birthdate",
   "type": "boolean"
  },
  "birthdate": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Date of Birth",
   "type": "date"
  },
  "age": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Age",
   "type": "char"
  },
  "gender": {
   "readonly": false,
   "required": false,
   "selection": [
    [
     "Male",
     "Male"
    ],
    [
     "Female",
     "Female"
    ]
   ],
   "store": true,
   "string": "Gender",
   "type": "selection"
  },
  "group_membership_ids": {
   "readonly": false,
   "relation": "g2p.group.membership",
   "relation_field": "group",
   "required": false,
   "store": true,
   "string": "Group Members",
   "type": "one2many"
  },
  "force_recompute_canary": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Force Recompute Canary",
   "type": "datetime"
  },
  "z_ind_grp_num_individuals": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Number of individuals",
   "type": "integer"
  },
  "individual_membership_ids": {
   "readonly": false,
   "relation": "g2p.group.membership",
   "relation_field": "individual",
   "required": false,
   "store": true,
   "string": "Membership to Groups",
   "type": "one2many"
  }
 },
 "res.users": {
  "login": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Login",
   "type": "char"
  },
  "name": {
   "readonly": false,
   "required": false,
   "store": false,
   "string": "Name",
   "type": "char"
  },
  "partner_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Related Partner",
   "type": "many2one"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "company_id": {
   "readonly": false,
   "relation": "res.company",
   "required": true,
   "store": true,
   "string": "Company",
   "type": "many2one"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.company": {
  "name": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Company Name",
   "type": "char"
  },
  "partner_id": {
   "readonly": false,
   "relation": "res.partner",
   "required": true,
   "store": true,
   "string": "Partner",
   "type": "many2one"
  },
  "currency_id": {
   "readonly": false,
   "relation": "res.currency",
   "required": true,
   "store": true,
   "string": "Currency",
   "type": "many2one"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.country": {
  "name": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Country Name",
   "type": "char"
  },
  "code": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Country Code",
   "type": "char"
  },
  "phone_code": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Country Calling Code",
   "type": "integer"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 },
 "res.currency": {
  "name": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Currency",
   "type": "char"
  },
  "symbol": {
   "readonly": false,
   "required": true,
   "store": true,
   "string": "Symbol",
   "type": "char"
  },
  "active": {
   "readonly": false,
   "required": false,
   "store": true,
   "string": "Active",
   "type": "boolean"
  },
  "id": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "ID",
   "type": "integer"
  },
  "display_name": {
   "readonly": true,
   "required": false,
   "store": false,
   "string": "Display Name",
   "type": "char"
  },
  "create_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Created by",
   "type": "many2one"
  },
  "create_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Created on",
   "type": "datetime"
  },
  "write_uid": {
   "readonly": true,
   "relation": "res.users",
   "required": false,
   "store": true,
   "string": "Last Updated by",
   "type": "many2one"
  },
  "write_date": {
   "readonly": true,
   "required": false,
   "store": true,
   "string": "Last Updated on",
   "type": "datetime"
  }
 }
};

const magic = (): Record<string, FieldAttributes> => ({
  id: { readonly: true, required: false, store: true, string: 'ID', type: 'integer' },
  display_name: { readonly: true, required: false, store: false, string: 'Display Name', type: 'char' },
  create_uid: { readonly: true, relation: 'res.users', required: false, store: true, string: 'Created by', type: 'many2one' },
  create_date: { readonly: true, required: false, store: true, string: 'Created on', type: 'datetime' },
  write_uid: { readonly: true, relation: 'res.users', required: false, store: true, string: 'Last Updated by', type: 'many2one' },
  write_date: { readonly: true, required: false, store: true, string: 'Last Updated on', type: 'datetime' },
});

/** The API key models the recordings use (web-session.json apikey_* cases), hand-written. */
FIELD_DEFINITIONS['res.users.apikeys'] = {
  name: { readonly: true, required: true, store: true, string: 'Description', type: 'char' },
  user_id: { readonly: true, relation: 'res.users', required: true, store: true, string: 'User', type: 'many2one' },
  scope: { readonly: true, required: false, store: true, string: 'Scope', type: 'char' },
  ...magic(),
};
FIELD_DEFINITIONS['res.users.apikeys.description'] = {
  name: { readonly: false, required: true, store: true, string: 'Description', type: 'char' },
  ...magic(),
};
FIELD_DEFINITIONS['res.users.identitycheck'] = {
  request: { readonly: false, required: true, store: true, string: 'Request', type: 'char' },
  password: { readonly: false, required: false, store: true, string: 'Password', type: 'char' },
  ...magic(),
};

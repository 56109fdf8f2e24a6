import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The storage schema, shared by SQLite and PostgreSQL.
 * Timestamps are ISO-8601 UTC strings of fixed width, so text order is time order on both databases;
 * flags are 0/1 integers; money is integer minor units.
 */
export interface DB {
  users: UsersTable;
  roles: RolesTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  customers: CustomersTable;
  name_directory: NameDirectoryTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  sequences: SequencesTable;
  stock_movements: StockMovementsTable;
  ledger_entries: LedgerEntriesTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  outbox: OutboxTable;
  settings: SettingsTable;
  idempotency_keys: IdempotencyKeysTable;
  restore_requests: RestoreRequestsTable;
  restore_request_orders: RestoreRequestOrdersTable;
  jobs: JobsTable;
  departments: DepartmentsTable;
  user_departments: UserDepartmentsTable;
  notifications: NotificationsTable;
  notification_receipts: NotificationReceiptsTable;
  notification_preferences: NotificationPreferencesTable;
  user_table_settings: UserTableSettingsTable;
  user_tours_seen: UserToursSeenTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  email_deliveries: EmailDeliveriesTable;
  cleanup_rules: CleanupRulesTable;
  cleanup_reviews: CleanupReviewsTable;
  cleanup_candidates: CleanupCandidatesTable;
  data_quality_runs: DataQualityRunsTable;
  purge_requests: PurgeRequestsTable;
  purge_request_orders: PurgeRequestOrdersTable;
  training_assignments: TrainingAssignmentsTable;
  training_progress: TrainingProgressTable;
  training_attempts: TrainingAttemptsTable;
  saved_views: SavedViewsTable;
  dashboard_summary: DashboardSummaryTable;
  dashboard_summary_deltas: DashboardSummaryDeltasTable;
  customer_keys: CustomerKeysTable;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string | null;
  password_hash: string;
  disabled: number;
  failed_logins: number;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
  /** Where e-mail notifications go; none when null. */
  email: string | null;
  /** 'zh-CN' or 'en'; null reads as 'zh-CN'. */
  language: string | null;
  /** IANA zone the user reads times in; null: the company time zone. */
  time_zone: string | null;
  /** 1 after an admin forced a password reset: the web app sends the user to choose a new one. */
  must_change_password: Generated<number>;
}

export interface RolesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  builtin: number;
  /** JSON array of grants ("orders.read", "orders.read:own", …). */
  grants: string;
  created_at: string;
  updated_at: string;
}

export interface UserRolesTable {
  user_id: number;
  role_id: number;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a leaked table does not leak sessions. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  /** Touched at most once a minute; the session ends after ORDERLY_SESSION_IDLE_MINUTES without a request. */
  last_seen_at: string | null;
  ip: string | null;
  user_agent: string | null;
  /** When the user last confirmed their password in this session (step-up); signing in does not count. */
  stepped_up_at: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  stepped_up_at: string | null;
}

export interface CustomersTable {
  id: Generated<number>;
  name: string;
  /** Lower-cased name for case-insensitive search (Latin and Chinese alike). */
  name_key: string;
  phone: string | null;
  email: string | null;
  note: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  /** 0: deactivated — kept for the orders that reference it, offered for no new order. */
  active: Generated<number>;
  /** Set when this duplicate was merged into another customer; the row stays so old links still resolve. */
  merged_into_id: number | null;
  /** Set when the customer's personal data was erased; the row stays for the orders that reference it. */
  erased_at: string | null;
}

/** A customer's data key (base64, 32 bytes) for the personal values sealed in audit entries; NULL once erased. */
export interface CustomerKeysTable {
  customer_id: number;
  data_key: string | null;
  created_at: string;
  erased_at: string | null;
  erased_by: number | null;
}

export interface ProductsTable {
  id: Generated<number>;
  sku: string;
  name: string;
  name_key: string;
  price: number;
  /** Balances maintained with every journal entry; the invariant checker proves they equal the journal. */
  on_hand: number;
  reserved: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface OrdersTable {
  id: Generated<number>;
  number: string;
  customer_id: number;
  owner_id: number;
  status: string;
  total: number;
  paid: number;
  note: string | null;
  /** sha256 of customer and lines, to spot a likely duplicate. */
  signature: string;
  version: number;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  shipped_at: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  /** Rows in order_items for this order, written with them (migration 0026): the exports show it per order. */
  line_count: Generated<number>;
  deleted_at: string | null;
  deleted_by: number | null;
  delete_reason: string | null;
  delete_note: string | null;
  delete_batch_id: string | null;
  purge_after: string | null;
  /** Legal hold (SPEC §5): set while held; a held order is neither deleted nor purged. */
  hold_reason: string | null;
  held_at: string | null;
  held_by: number | null;
}

/** Orders counted and totalled per key, folded from the deltas (migration 0020); '' where an order has no such value. */
export interface DashboardSummaryTable {
  owner_id: number;
  status: string;
  confirmed_month: string;
  deleted_month: string;
  delete_reason: string;
  orders: number;
  total: number;
}

/** What writes to `orders` changed in the summary, appended by triggers and not yet folded into it. */
export interface DashboardSummaryDeltasTable extends DashboardSummaryTable {
  id: Generated<number>;
}

export interface OrderItemsTable {
  id: Generated<number>;
  order_id: number;
  line_no: number;
  product_id: number;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

export interface SequencesTable {
  name: string;
  value: number;
}

export interface StockMovementsTable {
  id: Generated<number>;
  product_id: number;
  order_id: number | null;
  kind: string;
  /** Change of on-hand units (receive, adjust, ship). */
  on_hand_delta: number;
  /** Change of reserved units (reserve, release, ship). */
  reserved_delta: number;
  reverses_id: number | null;
  reason: string | null;
  actor_id: number | null;
  created_at: string;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  order_id: number;
  customer_id: number;
  kind: string;
  /** Signed change of what the customer owes: receivable +, payment −, reversal the negation of what it reverses. */
  amount: number;
  reverses_id: number | null;
  note: string | null;
  actor_id: number | null;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: number | null;
  actor_name: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  entity_label: string | null;
  diff: string | null;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  /** 1: the original encoding (NULL and '' alike); 2: canonicalised text, NULL distinct from ''. */
  hash_version: Generated<number>;
  /**
   * The entry's place among those written since migration 0032 (1 for the first; NULL before it); unique, so the
   * chain cannot fork. Not hashed.
   */
  seq: number | null;
}

/** The chain head as noted at `at`; signed (Ed25519) when ORDERLY_AUDIT_SIGNING_KEY is set. */
export interface AuditCheckpointsTable {
  id: Generated<number>;
  entry_id: number;
  head_hash: string;
  at: string;
  /** base64 Ed25519 signature of checkpointMessage(); null when no signing key was configured. */
  signature: string | null;
  /** First 16 hex digits of sha256 of the public key (SPKI DER). */
  key_id: string | null;
}

export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  payload: string;
  created_at: string;
  available_at: string;
  attempts: number;
  delivered_at: string | null;
  last_error: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface IdempotencyKeysTable {
  /** Whose key it is ("user:7"): keys of different callers never collide. */
  owner: string;
  key: string;
  /** sha256 of method, route and body: the same key with another body is refused. */
  request_hash: string;
  status: number | null;
  response: string | null;
  created_at: string;
  expires_at: string;
}

export interface RestoreRequestsTable {
  id: Generated<number>;
  requester_id: number;
  note: string;
  status: string;
  created_at: string;
  decided_by: number | null;
  decided_at: string | null;
  decision_note: string | null;
}

export interface RestoreRequestOrdersTable {
  request_id: number;
  order_id: number;
  number: string;
}

export interface JobsTable {
  name: string;
  /** The instance holding the lease, until lease_until; an expired lease may be taken over. */
  lease_owner: string | null;
  lease_until: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_error: string | null;
  runs: number;
}

export interface DepartmentsTable {
  code: string;
  name_zh: string;
  name_en: string;
  builtin: number;
  created_at: string;
}

export interface UserDepartmentsTable {
  user_id: number;
  department: string;
}

export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  topic: string;
  /** One inbox row per recipient and group: a bulk operation's events share a group. */
  group_key: string;
  /** JSON facts the title and body are rendered from, in the reader's language at read time. */
  params: string;
  count: number;
  created_at: string;
  updated_at: string;
  read_at: string | null;
}

export interface NotificationReceiptsTable {
  event_id: number;
  user_id: number;
  created_at: string;
}

export interface UserToursSeenTable {
  user_id: number;
  tour_id: string;
  seen_at: string;
}

export interface UserTableSettingsTable {
  user_id: number;
  table_id: string;
  /** JSON array of {key,visible,width?} in display order. */
  columns: string;
  density: string;
  updated_at: string;
}

export interface NotificationPreferencesTable {
  user_id: number;
  topic: string;
  in_app: number;
  email: number;
}

export interface WebhooksTable {
  id: Generated<number>;
  url: string;
  /** JSON array of topics. */
  topics: string;
  description: string | null;
  /** Kept in clear: signing needs it. Shown to the admin only when created or rotated. */
  secret: string;
  enabled: number;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: number;
  topic: string;
  /** The exact JSON body sent, so a retry signs and sends the same bytes. */
  body: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  /** A sender's claim; a crashed sender's claim expires and the delivery is retried. */
  locked_until: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface EmailDeliveriesTable {
  id: Generated<number>;
  user_id: number;
  group_key: string;
  topic: string;
  params: string;
  count: number;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  locked_until: string | null;
  sent_at: string | null;
  created_at: string;
}

export type UserRow = Selectable<UsersTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderItemRow = Selectable<OrderItemsTable>;
export type NewOrder = Insertable<OrdersTable>;

export interface CleanupRulesTable {
  id: Generated<number>;
  name: string;
  /** JSON of the rule's CleanupMatch. */
  match: string;
  schedule: string;
  enabled: number;
  grace_days: number;
  schedule_from: string;
  last_occurrence: string | null;
  last_run_at: string | null;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface CleanupReviewsTable {
  id: Generated<number>;
  rule_id: number | null;
  rule_name: string | null;
  status: string;
  trigger: string;
  opened_at: string;
  opened_by: number | null;
  execute_after: string;
  candidate_count: number;
  truncated: number;
  decided_at: string | null;
  decided_by: number | null;
  note: string | null;
  batch_id: string | null;
}

export interface CleanupCandidatesTable {
  review_id: number;
  order_id: number;
  number: string;
  /** The order as the review saw it. */
  version: number;
  status: string;
  total: number;
  customer_id: number;
  customer_name: string;
  owner_id: number;
  updated_at: string;
  /** JSON array of MatchReason. */
  why: string;
  outcome: string | null;
}

export interface DataQualityRunsTable {
  id: Generated<number>;
  checked_at: string;
  trigger: string;
  actor_id: number | null;
  /** JSON array of {code,count,samples}. */
  results: string;
}

export interface PurgeRequestsTable {
  id: Generated<number>;
  requester_id: number;
  status: string;
  created_at: string;
  decided_by: number | null;
  decided_at: string | null;
  decision_note: string | null;
}

export interface PurgeRequestOrdersTable {
  request_id: number;
  order_id: number;
  number: string;
}

/** A course assigned to everyone holding a role, or to one user (exactly one of the two is set). */
export interface TrainingAssignmentsTable {
  id: Generated<number>;
  course_id: string;
  role: string | null;
  user_id: number | null;
  created_by: number | null;
  created_at: string;
}

/** The lessons a user has read. */
export interface TrainingProgressTable {
  user_id: number;
  course_id: string;
  lesson_id: string;
  read_at: string;
}

/** Every quiz attempt; a user has passed a course when one attempt passed. */
export interface TrainingAttemptsTable {
  id: Generated<number>;
  user_id: number;
  course_id: string;
  score: number;
  passed: number;
  created_at: string;
}

export interface SavedViewsTable {
  id: Generated<number>;
  owner_id: number;
  page: string;
  name: string;
  /** JSON of the filters in the list's query-string spelling. */
  filters: string;
  /** Shared with every holder of this role; null: the owner's alone. */
  role_id: number | null;
  created_at: string;
  updated_at: string;
}

/** One row: the token of the customer and user names as they are now (migration 0025, db/names.ts). */
export interface NameDirectoryTable {
  id: number;
  token: number;
}

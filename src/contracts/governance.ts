import { z } from 'zod';
import { Id } from './common.js';
import { OrderRef, UserRef } from './deletion.js';
import { LegalHold, type OrderStatus } from './orders.js';

export { LegalHold };

/**
 * SPEC §5 governance: legal hold, four-eyes purge, step-up re-authentication and the standard order process.
 */

/** A step-up stays valid this long (SPEC §5: "confirmed in the last 5 minutes"). */
export const STEP_UP_WINDOW_MS = 5 * 60_000;
/** Deleting more orders than this in one command needs a recent step-up. */
export const STEP_UP_DELETION_THRESHOLD = 100;

export const StepUpInput = z.object({ password: z.string().min(1, 'enter your password').max(200) });
export type StepUpInput = z.infer<typeof StepUpInput>;
export const StepUpResult = z.object({ validUntil: z.string() });
export type StepUpResult = z.infer<typeof StepUpResult>;

// ---- legal hold ----

export const HoldInput = z.object({ reason: z.string().trim().min(1, 'say why the order is held').max(1000) });
export type HoldInput = z.infer<typeof HoldInput>;

export const HoldResult = z.object({ id: z.string(), number: z.string(), legalHold: LegalHold.nullable() });
export type HoldResult = z.infer<typeof HoldResult>;

// ---- four-eyes purge ----

export const PURGE_REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const PurgeRequestStatus = z.enum(PURGE_REQUEST_STATUSES);

export const PurgeRequested = z.object({ purgeRequestId: z.string() });
export type PurgeRequested = z.infer<typeof PurgeRequested>;

export const PurgeRequestView = z.object({
  id: z.string(),
  status: PurgeRequestStatus,
  orders: z.array(OrderRef),
  requestedBy: UserRef,
  requestedAt: z.string(),
  decidedBy: UserRef.nullable(),
  decidedAt: z.string().nullable(),
  note: z.string().nullable(),
});
export type PurgeRequestView = z.infer<typeof PurgeRequestView>;
export const PurgeRequestList = z.object({ items: z.array(PurgeRequestView) });
export type PurgeRequestList = z.infer<typeof PurgeRequestList>;
export const PurgeRequestQuery = z.object({ status: z.preprocess((v) => (v === '' ? undefined : v), PurgeRequestStatus.optional()) });
export type PurgeRequestQuery = z.infer<typeof PurgeRequestQuery>;
export const DecidePurgeRequestInput = z.object({ note: z.string().trim().max(1000).optional() }).optional();
export type DecidePurgeRequestInput = z.infer<typeof DecidePurgeRequestInput>;

// ---- standard process ----

export const ApprovalRequestInput = z.object({ note: z.string().trim().max(1000).optional() }).optional();
export type ApprovalRequestInput = z.infer<typeof ApprovalRequestInput>;
export const ApprovalRequestResult = z.object({ orderId: Id, number: z.string(), requestedAt: z.string() });
export type ApprovalRequestResult = z.infer<typeof ApprovalRequestResult>;

/** Which team does the next step of an order's lifecycle (SPEC §1), shown on the order page. */
export type Responsible = 'sales' | 'warehouse' | 'finance';
export interface NextStep {
  step: 'confirm' | 'ship' | 'complete' | 'record_payment';
  responsible: Responsible;
}

export function nextStepsOf(order: { status: OrderStatus; total: string; paid: string }): NextStep[] {
  const unpaid = Number(order.paid) < Number(order.total);
  switch (order.status) {
    case 'draft':
      return [{ step: 'confirm', responsible: 'sales' }];
    case 'confirmed':
      return [{ step: 'ship', responsible: 'warehouse' }, ...(unpaid ? [{ step: 'record_payment', responsible: 'finance' } as const] : [])];
    case 'shipped':
      return [{ step: 'complete', responsible: 'warehouse' }, ...(unpaid ? [{ step: 'record_payment', responsible: 'finance' } as const] : [])];
    default:
      return [];
  }
}

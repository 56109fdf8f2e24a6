import { z } from 'zod';
import { isTimeZone } from './settings.js';
import { Password, UserLanguage } from './users.js';

/**
 * The guided tours of the web app (issue 15): `welcome` starts by itself on a user's first sign-in, the others
 * belong to a page and are played from the help menu. Named here so the server refuses a tour that does not exist.
 */
export const TOUR_IDS = ['welcome', 'dashboard', 'orders', 'recycle-bin', 'backups'] as const;
export const TourId = z.enum(TOUR_IDS);
export type TourId = z.infer<typeof TourId>;
export const TourParams = z.object({ tourId: z.string().max(64) });

/** `GET|PATCH /api/me`: the signed-in user's own account. */
export const AccountView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  /** Used by the web app, e-mails and exports; null reads as zh-CN. */
  language: z.string().nullable(),
  /** The zone times are shown in; null: the company time zone (setting companyTimeZone). */
  timeZone: z.string().nullable(),
  /** An admin asked for a new password: the web app sends the user to choose one. */
  mustChangePassword: z.boolean(),
  /** Tours the user has seen (`PUT /api/me/tours/:tourId`); one missing here may start by itself. */
  toursSeen: z.array(TourId),
});
export type AccountView = z.infer<typeof AccountView>;

export const UpdateAccountInput = z
  .object({
    displayName: z.string().trim().max(100, 'at most 100 characters').nullable(),
    language: UserLanguage,
    timeZone: z.string().trim().max(64).refine(isTimeZone, 'must be a time zone such as Asia/Shanghai').nullable(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateAccountInput = z.infer<typeof UpdateAccountInput>;

/** `POST /api/me/password`: the current password proves it is the user; every other session of theirs ends. */
export const ChangePasswordInput = z.object({
  current: z.string().min(1, 'required').max(256),
  next: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

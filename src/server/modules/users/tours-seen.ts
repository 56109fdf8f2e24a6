import { TOUR_IDS, type TourId } from '../../../contracts/account.js';

/** The stored list of tours seen; anything unreadable or unknown counts as not seen (the tour shows once more). */
export function toursSeen(stored: string | null): TourId[] {
  if (!stored) return [];
  try {
    const list: unknown = JSON.parse(stored);
    return Array.isArray(list) ? TOUR_IDS.filter((id) => list.includes(id)) : [];
  } catch {
    return [];
  }
}

import { useT } from '../i18n/locale.js';

/**
 * An erased customer's stored name is the server's fixed placeholder (`platform/personal-data.ts`), written in
 * English because it is data, not UI; lists show it in the reader's language instead.
 */
const ERASED = /^Erased customer #(\d+)$/;

export function useCustomerName(): (customer: { id: string; name: string }) => string {
  const t = useT();
  return (customer) => {
    const erased = ERASED.exec(customer.name);
    return erased && erased[1] === customer.id ? t.crm.customer.erasedName(customer.id) : customer.name;
  };
}

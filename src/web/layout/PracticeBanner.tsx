import { ExperimentOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Flex } from 'antd';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { fetchPractice, guidanceKeys, leavePractice, openPractice } from '../api/guidance.js';
import { useShowError } from '../components/use-show-error.js';
import { useT } from '../i18n/locale.js';

interface Practice {
  active: boolean;
  busy: boolean;
  open(): void;
  leave(): void;
}
const PracticeContext = createContext<Practice>({ active: false, busy: false, open: () => undefined, leave: () => undefined });
export const usePractice = () => useContext(PracticeContext);

/**
 * Whether this session is in its practice workspace. Switching in or out changes what every API answer means,
 * so the whole query cache is dropped and every page reloads its data from the other side.
 */
export function PracticeProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const { message } = App.useApp();
  const showError = useShowError();
  const queryClient = useQueryClient();
  const state = useQuery({ queryKey: guidanceKeys.practice, queryFn: fetchPractice, staleTime: 60_000 });
  const [busy, setBusy] = useState(false);
  const active = state.data?.active ?? false;

  const switchTo = useCallback(
    async (enter: boolean) => {
      setBusy(true);
      const hide = enter ? message.loading(t.guidance.practice.opening, 0) : undefined;
      try {
        const next = enter ? await openPractice() : await leavePractice();
        queryClient.setQueryData(guidanceKeys.practice, next);
        await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== guidanceKeys.practice[0] });
        void message.success(enter ? t.guidance.practice.opened : t.guidance.practice.left);
      } catch (error) {
        showError(error);
      } finally {
        hide?.();
        setBusy(false);
      }
    },
    [message, queryClient, showError, t],
  );

  const value = useMemo(() => ({ active, busy, open: () => void switchTo(true), leave: () => void switchTo(false) }), [active, busy, switchTo]);
  return <PracticeContext.Provider value={value}>{children}</PracticeContext.Provider>;
}

/** The unmistakable sign that nothing here is real: a full-width striped bar above every page. */
export function PracticeBanner() {
  const t = useT();
  const practice = usePractice();
  if (!practice.active) return null;
  return (
    <Flex className="practice-banner" role="status" align="center" justify="space-between" gap={12} data-testid="practice-banner">
      <Flex align="center" gap={10}>
        <ExperimentOutlined style={{ fontSize: 18 }} />
        <strong>{t.guidance.practice.banner}</strong>
      </Flex>
      <Button size="small" onClick={practice.leave} loading={practice.busy}>
        {t.guidance.practice.leave}
      </Button>
    </Flex>
  );
}

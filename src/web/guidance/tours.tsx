import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Tour, Typography, type TourProps } from 'antd';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import type { AccountView } from '../../contracts/account.js';
import { accountKey, fetchAccount, markTourSeen } from '../api/account.js';
import { fetchPractice, guidanceKeys } from '../api/guidance.js';
import { useSession } from '../auth/session.js';
import type { TourId, TourStepText } from '../i18n/guidance.js';
import { useT } from '../i18n/locale.js';

/** The tour of each page that has one; other pages offer the welcome tour. */
export function tourOfPage(pathname: string): TourId | undefined {
  if (pathname === '/') return 'dashboard';
  if (pathname === '/orders') return 'orders';
  if (pathname === '/recycle-bin') return 'recycle-bin';
  if (pathname === '/backups') return 'backups';
  return undefined;
}

/** 'off': the user (or a browser journey about something else) does not want tours to start by themselves. */
const AUTOSTART_KEY = 'orderly.tour.autostart';
const targetOf = (name: string) => document.querySelector<HTMLElement>(`[data-tour="${CSS.escape(name)}"]`);

interface TourState {
  start(id: TourId): void;
}
const TourContext = createContext<TourState>({ start: () => undefined });
export const useTours = () => useContext(TourContext);

/**
 * Guided tours (antd Tour). A step points at an element marked `data-tour="<name>"`; steps whose element is not
 * on the page (no permission for it, no data yet) are left out, so a tour never breaks and each role sees the
 * steps that concern it. The welcome tour starts by itself on a user's first sign-in, on whichever browser, until
 * the account says it was seen (`toursSeen` of GET /api/me); it can be replayed, or reset, from the help menu.
 */
export function TourProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const { me } = useSession();
  const location = useLocation();
  const queryClient = useQueryClient();
  const account = useQuery({ queryKey: accountKey, queryFn: fetchAccount, enabled: me !== null, staleTime: 5 * 60_000 });
  // In the practice workspace /api/me answers from the sandbox, whose copy of the user has seen nothing.
  const practice = useQuery({ queryKey: guidanceKeys.practice, queryFn: fetchPractice, staleTime: 60_000 });
  // Decided once per mount (a sign-out unmounts the layout): a reset from the help menu waits for the next sign-in.
  const decided = useRef(false);
  // What the first-sign-in check concluded, on a hidden marker, so a browser journey can tell "not started" from "not yet".
  const [autostart, setAutostart] = useState<'pending' | 'started' | 'seen' | 'off'>('pending');
  const [running, setRunning] = useState<{ id: TourId; steps: TourProps['steps'] } | null>(null);
  const [current, setCurrent] = useState(0);

  const start = useCallback(
    (id: TourId) => {
      const texts = t.guidance.tour[id] as TourStepText[];
      const present = texts.filter((s) => targetOf(s.target) !== null);
      const steps = present.map((s) => ({
        title: s.title,
        description: (
          <div>
            <Typography.Paragraph style={{ marginBottom: s.article ? 8 : 0 }}>{s.body}</Typography.Paragraph>
            {s.article && (
              <Link to={`/help/${s.article}`} onClick={() => setRunning(null)}>
                {t.guidance.tour.learnMore}
              </Link>
            )}
          </div>
        ),
        target: () => targetOf(s.target) ?? document.body,
        nextButtonProps: { children: t.guidance.tour.next },
        prevButtonProps: { children: t.guidance.tour.previous },
      }));
      if (steps.length === 0) return;
      steps[steps.length - 1].nextButtonProps = { children: t.guidance.tour.finish };
      setCurrent(0);
      setRunning({ id, steps });
    },
    [t],
  );

  // First sign-in: once the dashboard has drawn what the tour points at (or has nothing to draw: no data, no permission).
  const seen = account.data?.toursSeen;
  const inPractice = practice.data?.active;
  useEffect(() => {
    if (!me || location.pathname !== '/' || seen === undefined || inPractice !== false || decided.current) return;
    try {
      const off = localStorage.getItem(AUTOSTART_KEY) === 'off';
      if (seen.includes('welcome') || off) {
        decided.current = true;
        setAutostart(off ? 'off' : 'seen');
        return;
      }
    } catch {
      return;
    }
    let tries = 0;
    const timer = setInterval(() => {
      tries++;
      if (targetOf('dashboard-status') || tries > 40) {
        clearInterval(timer);
        decided.current = true;
        // Marked when it starts, so a reload halfway through does not start it over; a failed mark only means it shows again.
        markTourSeen('welcome').then(
          () => queryClient.setQueryData<AccountView>(accountKey, (a) => a && { ...a, toursSeen: [...new Set([...a.toursSeen, 'welcome' as const])] }),
          () => undefined,
        );
        start('welcome');
        setAutostart('started');
      }
    }, 250);
    return () => clearInterval(timer);
  }, [me, location.pathname, seen, inPractice, queryClient, start]);

  const value = useMemo(() => ({ start }), [start]);
  return (
    <TourContext.Provider value={value}>
      {children}
      <span hidden data-testid="welcome-tour-autostart" data-state={autostart} />
      {running && <Tour open steps={running.steps} current={current} onChange={setCurrent} onClose={() => setRunning(null)} onFinish={() => setRunning(null)} />}
    </TourContext.Provider>
  );
}

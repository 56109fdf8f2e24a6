import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Spin } from 'antd';
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { LoginInput, Me } from '../../contracts/auth.js';
import { fetchMe, signIn, signOut } from '../api/auth.js';
import { ProblemError, setUnauthenticatedHandler } from '../api/http.js';

const ME_KEY = ['me'] as const;

interface Session {
  me: Me | null;
  loading: boolean;
  signIn(input: LoginInput): Promise<Me>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** 401 means "no session"; anything else is a real failure worth retrying. */
async function fetchMeOrNull(): Promise<Me | null> {
  try {
    return await fetchMe();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const meQuery = useQuery({ queryKey: ME_KEY, queryFn: fetchMeOrNull, staleTime: 5 * 60_000 });

  useEffect(() => {
    // A session that expires mid-use: forget everything cached for that user and show the sign-in page.
    setUnauthenticatedHandler(() => {
      queryClient.setQueryData(ME_KEY, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    });
  }, [queryClient]);

  const doSignIn = useCallback(
    async (input: LoginInput) => {
      const me = await signIn(input);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      queryClient.setQueryData(ME_KEY, me);
      return me;
    },
    [queryClient],
  );

  const doSignOut = useCallback(async () => {
    try {
      await signOut();
    } finally {
      // Not queryClient.clear(): that drops the session query from under its observer, which then keeps showing
      // the signed-out user (the sign-in page sent them straight back to the app). Set it to null in place instead.
      queryClient.setQueryData(ME_KEY, null);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    }
  }, [queryClient]);

  const value = useMemo(
    () => ({ me: meQuery.data ?? null, loading: meQuery.isPending, signIn: doSignIn, signOut: doSignOut }),
    [meQuery.data, meQuery.isPending, doSignIn, doSignOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; only for components rendered inside RequireSession. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}

export function RequireSession({ children }: { children: ReactNode }) {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) {
    return (
      <div className="full-page-center">
        <Spin size="large" />
      </div>
    );
  }
  if (!me) return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  // An admin forced a password reset: choosing a new password comes before anything else.
  if (me.mustChangePassword && location.pathname !== '/account') return <Navigate to="/account" replace />;
  return children;
}

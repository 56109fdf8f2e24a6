import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntdApp, ConfigProvider } from 'antd';
import { lazy } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ProblemError } from './api/http.js';
import { RequireSession, SessionProvider } from './auth/session.js';
import { LocaleProvider, useLocale } from './i18n/locale.js';
import { AppLayout } from './layout/AppLayout.js';
import { SignInPage } from './pages/sign-in/index.js';
import { useTheme } from './theme.js';
import { StepUpPrompt } from './components/governance/StepUpPrompt.js';

// Pages load on demand; the sign-in page ships with the first bundle because most visits start there.
const OrdersPage = lazy(() => import('./pages/orders/index.js'));
const OrderPage = lazy(() => import('./pages/order/index.js'));
const OrderFormPage = lazy(() => import('./pages/order-form/index.js'));
const CustomersPage = lazy(() => import('./pages/customers/index.js'));
const CustomerPage = lazy(() => import('./pages/customer/index.js'));
const AccountPage = lazy(() => import('./pages/account/index.js'));
const ProductsPage = lazy(() => import('./pages/products/index.js'));
const RecycleBinPage = lazy(() => import('./pages/recycle-bin/index.js'));
const RestoreRequestsPage = lazy(() => import('./pages/restore-requests/index.js'));
const StockPage = lazy(() => import('./pages/stock/index.js'));
const FinancePage = lazy(() => import('./pages/finance/index.js'));
const AuditPage = lazy(() => import('./pages/audit/index.js'));
const BackupsPage = lazy(() => import('./pages/backups/index.js'));
const UsersPage = lazy(() => import('./pages/users/index.js'));
const RolesPage = lazy(() => import('./pages/roles/index.js'));
const TokensPage = lazy(() => import('./pages/tokens/index.js'));
const NotificationsPage = lazy(() => import('./pages/notifications/index.js'));
const WebhooksPage = lazy(() => import('./pages/webhooks/index.js'));
const CleanupRulesPage = lazy(() => import('./pages/cleanup-rules/index.js'));
const CleanupReviewsPage = lazy(() => import('./pages/cleanup-reviews/index.js'));
const CleanupReviewPage = lazy(() => import('./pages/cleanup-review/index.js'));
const DataQualityPage = lazy(() => import('./pages/data-quality/index.js'));
const DashboardPage = lazy(() => import('./pages/dashboard/index.js'));
const HelpPage = lazy(() => import('./pages/help/index.js'));
const TrainingPage = lazy(() => import('./pages/training/index.js'));
const NotFoundPage = lazy(() => import('./pages/not-found/index.js'));
const SettingsPage = lazy(() => import('./pages/settings/index.js'));
const PurgeRequestsPage = lazy(() => import('./pages/purge-requests/index.js'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will not fix itself by asking again.
      retry: (count, error) => !(error instanceof ProblemError && error.status < 500) && count < 2,
    },
  },
});

function ThemedApp() {
  const { antdLocale } = useLocale();
  const theme = useTheme();
  return (
    <ConfigProvider locale={antdLocale} theme={theme}>
      <AntdApp>
        <BrowserRouter>
          <SessionProvider>
            <StepUpPrompt />
            <Routes>
              <Route path="/sign-in" element={<SignInPage />} />
              <Route
                element={
                  <RequireSession>
                    <AppLayout />
                  </RequireSession>
                }
              >
                <Route index element={<DashboardPage />} />
                <Route path="/help" element={<HelpPage />} />
                <Route path="/help/*" element={<HelpPage />} />
                <Route path="/training" element={<TrainingPage />} />
                <Route path="/training/:courseId" element={<TrainingPage />} />
                <Route path="/orders" element={<OrdersPage />} />
                <Route path="/orders/new" element={<OrderFormPage />} />
                <Route path="/orders/:id" element={<OrderPage />} />
                <Route path="/orders/:id/edit" element={<OrderFormPage />} />
                <Route path="/customers" element={<CustomersPage />} />
                <Route path="/customers/:id" element={<CustomerPage />} />
                <Route path="/account" element={<AccountPage />} />
                <Route path="/products" element={<ProductsPage />} />
                <Route path="/products/:id" element={<ProductsPage />} />
                <Route path="/recycle-bin" element={<RecycleBinPage />} />
                <Route path="/restore-requests" element={<RestoreRequestsPage />} />
                <Route path="/stock" element={<StockPage />} />
                <Route path="/finance" element={<FinancePage />} />
                <Route path="/audit" element={<AuditPage />} />
                <Route path="/backups" element={<BackupsPage />} />
                <Route path="/users" element={<UsersPage />} />
                <Route path="/roles" element={<RolesPage />} />
                <Route path="/tokens" element={<TokensPage />} />
                <Route path="/notifications" element={<NotificationsPage />} />
                <Route path="/webhooks" element={<WebhooksPage />} />
                <Route path="/cleanup" element={<CleanupReviewsPage />} />
                <Route path="/cleanup/reviews/:id" element={<CleanupReviewPage />} />
                <Route path="/cleanup/rules" element={<CleanupRulesPage />} />
                <Route path="/data-quality" element={<DataQualityPage />} />
                <Route path="/settings" element={<SettingsPage />} />
                <Route path="/purge-requests" element={<PurgeRequestsPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Route>
            </Routes>
          </SessionProvider>
        </BrowserRouter>
      </AntdApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <LocaleProvider>
        <ThemedApp />
      </LocaleProvider>
    </QueryClientProvider>
  );
}

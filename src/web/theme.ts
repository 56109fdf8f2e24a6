import type { ThemeConfig } from 'antd';
import { useSyncExternalStore } from 'react';

/** One place for the look: a calm business blue, compact radii, readable tables. */
export const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#1f5fbf',
    colorLink: '#1f5fbf',
    borderRadius: 6,
    colorBgLayout: '#f4f6f9',
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Helvetica Neue', Arial, sans-serif",
  },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#ffffff', headerHeight: 56, headerPadding: '0 24px' },
    Table: { headerBg: '#f7f8fa', rowHoverBg: '#f0f5ff' },
    Menu: { itemBorderRadius: 6, itemMarginInline: 8 },
  },
};

const STILL_THEME: ThemeConfig = { ...THEME, token: { ...THEME.token, motion: false } };
// One query for the app's life: it reports changes itself, so renders only read `matches`.
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

function subscribeToMotionPreference(onChange: () => void): () => void {
  reducedMotion.addEventListener('change', onChange);
  return () => reducedMotion.removeEventListener('change', onChange);
}

/**
 * THEME, without dialogs zooming in and menus sliding when the system asks for reduced motion — for people
 * whom motion bothers, and for the browser tests, which then never click a button that is still moving.
 */
export function useTheme(): ThemeConfig {
  const still = useSyncExternalStore(subscribeToMotionPreference, () => reducedMotion.matches);
  return still ? STILL_THEME : THEME;
}

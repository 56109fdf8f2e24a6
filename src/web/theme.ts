import { theme as antdTheme, type ThemeConfig } from 'antd';
import { useMemo, useSyncExternalStore } from 'react';

const FONT_FAMILY =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Helvetica Neue', Arial, sans-serif";

/**
 * The class antd declares its theme's CSS variables on. main.tsx puts it on <html>, so that styles.css and
 * inline styles anywhere (also outside antd components) read the light or dark theme's colours.
 */
export const THEME_CSS_VAR_CLASS = 'orderly-theme';

/**
 * One place for the look: a calm business blue, compact radii, readable tables. antd's default secondary text
 * (45 % black), placeholder (25 %) and error red (#ff4d4f) fall short of the 4.5:1 contrast WCAG AA asks of
 * text, and they colour subtitles, labels, counts and danger buttons all over the app: they are darkened here,
 * once, rather than page by page.
 */
export const THEME: ThemeConfig = {
  cssVar: { key: THEME_CSS_VAR_CLASS },
  token: {
    colorPrimary: '#1f5fbf',
    colorLink: '#1f5fbf',
    colorError: '#cf1322',
    colorWarning: '#975b00',
    colorSuccess: '#237804',
    colorInfo: '#1f5fbf',
    // Tags draw their text in shade 7 of these palettes on shade 1: from antd's seeds that is under 4.5:1.
    green: '#237804',
    gold: '#ad6800',
    cyan: '#006d75',
    orange: '#ad4e00',
    volcano: '#ad2102',
    lime: '#3f6600',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.56)',
    borderRadius: 6,
    colorBgLayout: '#f4f6f9',
    fontFamily: FONT_FAMILY,
  },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#ffffff', headerHeight: 56, headerPadding: '0 24px' },
    Table: { headerBg: '#f7f8fa', rowHoverBg: '#f0f5ff' },
    Menu: { itemBorderRadius: 6, itemMarginInline: 8 },
  },
};

/**
 * The same app when the system is in dark mode: antd's dark algorithm derives every colour from the seeds;
 * only the text that the light theme darkens is lightened to keep its contrast on dark surfaces.
 */
export const DARK_THEME: ThemeConfig = {
  algorithm: antdTheme.darkAlgorithm,
  cssVar: { key: THEME_CSS_VAR_CLASS },
  token: {
    colorPrimary: '#3f7fe0',
    colorLink: '#6ea0f0',
    colorError: '#ff7875',
    colorInfo: '#6ea0f0',
    borderRadius: 6,
    colorTextTertiary: 'rgba(255, 255, 255, 0.68)',
    colorTextDescription: 'rgba(255, 255, 255, 0.68)',
    colorTextPlaceholder: 'rgba(255, 255, 255, 0.6)',
    fontFamily: FONT_FAMILY,
  },
  // The selected menu item and tab write in the primary colour on a dark blue: lighter than the primary
  // itself, which stays dark enough for white text on primary buttons.
  components: {
    Layout: { headerHeight: 56, headerPadding: '0 24px' },
    Menu: { itemBorderRadius: 6, itemMarginInline: 8, itemSelectedColor: '#a6c8ff' },
    Tabs: { itemSelectedColor: '#8cb8ff', itemActiveColor: '#8cb8ff' },
  },
};

/** A media query as a value React re-renders on: one listener per query for the app's life. */
function mediaPreference(query: string): () => boolean {
  const media = window.matchMedia(query);
  const subscribe = (onChange: () => void) => {
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  };
  return () => useSyncExternalStore(subscribe, () => media.matches);
}

const useReducedMotion = mediaPreference('(prefers-reduced-motion: reduce)');
const useDarkScheme = mediaPreference('(prefers-color-scheme: dark)');

/**
 * THEME, or DARK_THEME when the system is in dark mode; without dialogs zooming in and menus sliding when the
 * system asks for reduced motion — for people whom motion bothers, and for the browser tests, which then never
 * click a button that is still moving.
 */
export function useTheme(): ThemeConfig {
  const still = useReducedMotion();
  const dark = useDarkScheme();
  return useMemo(() => {
    const base = dark ? DARK_THEME : THEME;
    return still ? { ...base, token: { ...base.token, motion: false } } : base;
  }, [still, dark]);
}

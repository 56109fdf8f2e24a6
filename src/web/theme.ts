import type { ThemeConfig } from 'antd';

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

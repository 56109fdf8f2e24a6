/** Texts of the phone layout (menu drawer, card lists). `phoneZhCN` is typed from `phoneEn`, so both languages stay complete. */
export const phoneEn = {
  openMenu: 'Open the menu',
  menu: 'Menu',
  selectPage: 'Select all on this page',
  selectCard: (name: string) => `Select ${name}`,
};

export const phoneZhCN: typeof phoneEn = {
  openMenu: '打开菜单',
  menu: '菜单',
  selectPage: '全选本页',
  selectCard: (name: string) => `选择 ${name}`,
};

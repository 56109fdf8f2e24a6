/** Texts of the phone layout (menu drawer). `phoneZhCN` is typed from `phoneEn`, so both languages stay complete. */
export const phoneEn = {
  openMenu: 'Open the menu',
  menu: 'Menu',
};

export const phoneZhCN: typeof phoneEn = {
  openMenu: '打开菜单',
  menu: '菜单',
};

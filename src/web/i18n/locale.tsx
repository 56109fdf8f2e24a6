import 'dayjs/locale/zh-cn.js';
import dayjs from 'dayjs';
import enUSModule from 'antd/es/locale/en_US.js';
import zhCNModule from 'antd/es/locale/zh_CN.js';
import type { Locale as AntdLocale } from 'antd/es/locale/index.js';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type Messages } from './en.js';
import { zhCN } from './zh-CN.js';

export type Language = 'en' | 'zh-CN';

const STORAGE_KEY = 'orderly.language';

/**
 * antd ships its locale files as ES modules without "type": "module", so TypeScript (NodeNext) sees the
 * CommonJS shape `{ default }` while the bundler hands over the locale itself. Accept either.
 */
function antdLocale(imported: unknown): AntdLocale {
  const value = imported as AntdLocale & { default?: AntdLocale };
  return value.default ?? value;
}

const CATALOGUES: Record<Language, { messages: Messages; antd: AntdLocale; dayjs: string }> = {
  en: { messages: en, antd: antdLocale(enUSModule), dayjs: 'en' },
  'zh-CN': { messages: zhCN, antd: antdLocale(zhCNModule), dayjs: 'zh-cn' },
};

/** A stored choice wins; otherwise the browser's language decides (any Chinese variant → 中文). */
function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'zh-CN') return stored;
  } catch {
    /* storage blocked: fall back to the browser language */
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

interface LocaleState {
  language: Language;
  t: Messages;
  antdLocale: AntdLocale;
  setLanguage(language: Language): void;
}

const LocaleContext = createContext<LocaleState | null>(null);

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const catalogue = CATALOGUES[language];
  dayjs.locale(catalogue.dayjs);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* the choice just won't survive a reload */
    }
    setLanguageState(next);
  }, []);

  const value = useMemo(() => ({ language, t: catalogue.messages, antdLocale: catalogue.antd, setLanguage }), [language, catalogue, setLanguage]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): LocaleState {
  const state = useContext(LocaleContext);
  if (!state) throw new Error('useLocale outside LocaleProvider');
  return state;
}

export const useT = (): Messages => useLocale().t;

/** Schema and server messages are English; show the translation when the catalogue has one. */
export function translateMessage(t: Messages, message: string): string {
  return (t.validation as Record<string, string>)[message] ?? message;
}

import { Segmented } from 'antd';
import { useLocale, type Language } from '../i18n/locale.js';

/** Always shows both names in their own script, so a user who can't read the current language still finds theirs. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useLocale();
  return (
    <Segmented<Language>
      size="small"
      aria-label={t.language.label}
      value={language}
      onChange={setLanguage}
      options={[
        { value: 'zh-CN', label: <span data-lang="zh-CN">中文</span> },
        { value: 'en', label: <span data-lang="en">English</span> },
      ]}
    />
  );
}

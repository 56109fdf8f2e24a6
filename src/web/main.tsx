import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The shared schemas' wording ("required" for absent fields) is configured where common.ts loads.
import '../contracts/common.js';
import { App } from './App.js';
import { makeTableMeasureRowsInert } from './components/inert-table-measure-rows.js';
import { THEME_CSS_VAR_CLASS } from './theme.js';
import './styles.css';

document.documentElement.classList.add(THEME_CSS_VAR_CLASS);
const root = document.getElementById('root')!;
makeTableMeasureRowsInert(root);
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The shared schemas' wording ("required" for absent fields) is configured where common.ts loads.
import '../contracts/common.js';
import { App } from './App.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

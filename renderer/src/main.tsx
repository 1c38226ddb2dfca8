import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectToStudio } from './connection/studio-client';
import './styles.css';

// One connection for the page's life, made outside React so StrictMode's double renders cannot open two.
const studio = connectToStudio(window.location);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App studio={studio} />
  </StrictMode>,
);

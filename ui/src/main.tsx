import { render } from 'preact';
import { App } from './App';
// Inter, bundled (no network fetch): the weights the Compound type scale uses, Latin scripts only.
import '@fontsource/inter/latin-400.css';
import '@fontsource/inter/latin-ext-400.css';
import '@fontsource/inter/latin-600.css';
import '@fontsource/inter/latin-ext-600.css';
import './theme.css';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);

import { render } from 'preact';
import { App } from './App';
import './fonts.css';
import './theme.css';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);

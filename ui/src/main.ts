import '@fontsource-variable/inter';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { selectBackend } from './backend';
import { createHashRouter } from './lib/router.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const { backend, kind, signInHint } = selectBackend();

mount(App, { target, props: { backend, kind, router: createHashRouter(), signInHint } });

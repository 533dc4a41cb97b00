import { createContext } from 'svelte';
import type { AppState } from './app-state.svelte';
import type { EndpointsState } from './endpoints.svelte';
import type { IntegrationsState } from './integrations.svelte';
import type { Router } from './router.svelte';
import type { Session } from './session.svelte';
import type { StatusesState } from './statuses.svelte';
import type { SyncState } from './sync.svelte';

/** Set once by App.svelte; tests inject a mock backend by rendering App with one. */
export const [useApp, provideApp] = createContext<AppState>();
export const [useRouter, provideRouter] = createContext<Router>();
export const [useIntegrations, provideIntegrations] = createContext<IntegrationsState>();
export const [useStatuses, provideStatuses] = createContext<StatusesState>();
export const [useEndpoints, provideEndpoints] = createContext<EndpointsState>();
export const [useSession, provideSession] = createContext<Session>();
export const [useSync, provideSync] = createContext<SyncState>();

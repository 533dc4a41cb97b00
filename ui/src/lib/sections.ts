import type { Component } from 'svelte';
import LayoutDashboard from '@lucide/svelte/icons/layout-dashboard';
import Plug from '@lucide/svelte/icons/plug';
import Webhook from '@lucide/svelte/icons/webhook';
import ListChecks from '@lucide/svelte/icons/list-checks';
import ShieldCheck from '@lucide/svelte/icons/shield-check';
import Settings from '@lucide/svelte/icons/settings';
import type { PageId } from './router.svelte';

export interface Section {
  id: PageId;
  label: string;
  icon: Component<{ size?: number | string; 'aria-hidden'?: boolean | 'true' | 'false' }>;
  /** Sections pinned to the bottom of the sidebar. */
  footer?: boolean;
}

/** The sidebar, in order. */
export const SECTIONS: readonly Section[] = [
  { id: 'dashboard', label: 'Dashboard', icon: LayoutDashboard },
  { id: 'integrations', label: 'Integrations', icon: Plug },
  { id: 'webhooks', label: 'Webhooks', icon: Webhook },
  { id: 'delivery-log', label: 'Delivery log', icon: ListChecks },
  { id: 'audit-log', label: 'Audit log', icon: ShieldCheck },
  { id: 'settings', label: 'Settings', icon: Settings, footer: true },
];

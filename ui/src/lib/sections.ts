import type { Component } from 'svelte';
import LayoutDashboard from '@lucide/svelte/icons/layout-dashboard';
import Plug from '@lucide/svelte/icons/plug';
import Webhook from '@lucide/svelte/icons/webhook';
import ListChecks from '@lucide/svelte/icons/list-checks';
import RefreshCcw from '@lucide/svelte/icons/refresh-ccw';
import ShieldCheck from '@lucide/svelte/icons/shield-check';
import Settings from '@lucide/svelte/icons/settings';
import type { Permission } from '../backend';
import type { PageId } from './router.svelte';

export interface Section {
  id: PageId;
  label: string;
  icon: Component<{ size?: number | string; 'aria-hidden'?: boolean | 'true' | 'false' }>;
  /** Sections pinned to the bottom of the sidebar. */
  footer?: boolean;
  /** What the signed-in user must be allowed to see the section at all. */
  permission: Permission;
}

/**
 * The sidebar, in order. Integrations, Webhooks and Settings are for configuring (a manager or an
 * admin); the Audit log for whoever may view it (an admin); the rest for everyone.
 */
export const SECTIONS: readonly Section[] = [
  { id: 'dashboard', label: 'Dashboard', icon: LayoutDashboard, permission: 'view' },
  { id: 'integrations', label: 'Integrations', icon: Plug, permission: 'configure' },
  { id: 'webhooks', label: 'Webhooks', icon: Webhook, permission: 'configure' },
  { id: 'delivery-log', label: 'Delivery log', icon: ListChecks, permission: 'view' },
  { id: 'sync-log', label: 'Sync log', icon: RefreshCcw, permission: 'view' },
  { id: 'audit-log', label: 'Audit log', icon: ShieldCheck, permission: 'audit' },
  { id: 'settings', label: 'Settings', icon: Settings, footer: true, permission: 'configure' },
];

/** Whether a page is one the user may open, by `can` (the session's). */
export function mayOpen(page: PageId, can: (permission: Permission) => boolean): boolean {
  const section = SECTIONS.find((s) => s.id === page);
  return section !== undefined && can(section.permission);
}

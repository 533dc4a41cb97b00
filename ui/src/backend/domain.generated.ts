// GENERATED from switchboard-core by `domain_export_is_current` (src-tauri/src/commands);
// do not edit: `make bindings` rewrites it. Read it through `domain.ts`.
import type { DomainExport } from './domain';

export const DOMAIN = {
  "cases": {
    "baseUrls": [
      {
        "input": "",
        "issues": [],
        "value": null
      },
      {
        "input": "   ",
        "issues": [],
        "value": null
      },
      {
        "input": "https://api.example.com",
        "issues": [],
        "value": "https://api.example.com"
      },
      {
        "input": "https://api.example.com/",
        "issues": [],
        "value": "https://api.example.com"
      },
      {
        "input": "https://api.example.com/v2//",
        "issues": [],
        "value": "https://api.example.com/v2"
      },
      {
        "input": "HTTPS://API.Example.com/v2",
        "issues": [],
        "value": "https://api.example.com/v2"
      },
      {
        "input": "http://localhost:8080",
        "issues": [],
        "value": "http://localhost:8080"
      },
      {
        "input": "http://127.0.0.1:9000/",
        "issues": [],
        "value": "http://127.0.0.1:9000"
      },
      {
        "input": "http://[::1]:8080",
        "issues": [],
        "value": "http://[::1]:8080"
      },
      {
        "input": "http://api.example.com",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must use https://. Plain http:// is only allowed to this computer (localhost or 127.0.0.1).",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "http://192.168.1.20",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must use https://. Plain http:// is only allowed to this computer (localhost or 127.0.0.1).",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "ftp://files.example.com",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must start with https:// (other schemes are not allowed).",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "https://user:pw@api.example.com",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must not contain a user name or password.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "https://api.example.com?x=1",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must not contain ? or #.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "https://api.example.com#top",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must not contain ? or #.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "https://api.example.com/a b",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must not contain spaces or control characters.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "not a url",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL must not contain spaces or control characters.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "notaurl",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL is not a valid URL; it must look like https://api.example.com.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "https://",
        "issues": [
          {
            "field": "base_url",
            "message": "Custom base URL is not a valid URL; it must look like https://api.example.com.",
            "severity": "error"
          }
        ],
        "value": null
      }
    ],
    "endpointStatuses": [
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "No deliveries in the last 24 hours.",
          "successRate24h": null
        },
        "facts": {
          "attempts24h": 0,
          "dead": 0,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 0
        },
        "name": "no deliveries"
      },
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "100% delivered in the last 24 hours.",
          "successRate24h": 100.0
        },
        "facts": {
          "attempts24h": 40,
          "dead": 0,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 40
        },
        "name": "all delivered"
      },
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "95% delivered in the last 24 hours.",
          "successRate24h": 95.0
        },
        "facts": {
          "attempts24h": 20,
          "dead": 0,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 19
        },
        "name": "95% delivered"
      },
      {
        "expected": {
          "action": "Check the receiver's recent errors in the Delivery log.",
          "level": "yellow",
          "reason": "Only 67% of deliveries succeeded in the last 24 hours.",
          "successRate24h": 66.66666666666667
        },
        "facts": {
          "attempts24h": 3,
          "dead": 0,
          "disabledReason": null,
          "enabled": true,
          "pending": 4,
          "retrying": 0,
          "succeeded24h": 2
        },
        "name": "under 95% delivered"
      },
      {
        "expected": {
          "action": "Check the receiver; Switchboard retries automatically.",
          "level": "yellow",
          "reason": "1 delivery failed and will be retried.",
          "successRate24h": 50.0
        },
        "facts": {
          "attempts24h": 2,
          "dead": 0,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 1,
          "succeeded24h": 1
        },
        "name": "one retrying"
      },
      {
        "expected": {
          "action": "Open the Delivery log, fix the receiver and resend them, or acknowledge them.",
          "level": "red",
          "reason": "2 deliveries gave up after every retry.",
          "successRate24h": null
        },
        "facts": {
          "attempts24h": 0,
          "dead": 2,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 3,
          "succeeded24h": 0
        },
        "name": "retrying and dead"
      },
      {
        "expected": {
          "action": "Open the Delivery log, fix the receiver and resend them, or acknowledge them.",
          "level": "red",
          "reason": "1 delivery gave up after every retry.",
          "successRate24h": null
        },
        "facts": {
          "attempts24h": 0,
          "dead": 1,
          "disabledReason": null,
          "enabled": true,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 0
        },
        "name": "one dead"
      },
      {
        "expected": {
          "action": "Enable it on the Webhooks page to deliver again.",
          "level": "off",
          "reason": "Turned off by a user.",
          "successRate24h": null
        },
        "facts": {
          "attempts24h": 0,
          "dead": 1,
          "disabledReason": null,
          "enabled": false,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 0
        },
        "name": "turned off by a user"
      },
      {
        "expected": {
          "action": "Fix the receiver, then enable the endpoint again on the Webhooks page and resend what failed.",
          "level": "red",
          "reason": "Disabled by Switchboard: The receiver answered 410 Gone.",
          "successRate24h": 0.0
        },
        "facts": {
          "attempts24h": 1,
          "dead": 0,
          "disabledReason": "The receiver answered 410 Gone.",
          "enabled": false,
          "pending": 0,
          "retrying": 0,
          "succeeded24h": 0
        },
        "name": "disabled by Switchboard"
      }
    ],
    "endpointUrls": [
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL is required.",
          "severity": "error"
        },
        "url": "",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL is required.",
          "severity": "error"
        },
        "url": "",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL is required.",
          "severity": "error"
        },
        "url": "",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL is required.",
          "severity": "error"
        },
        "url": "",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://example.com/hooks",
        "value": "https://example.com/hooks"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://example.com/hooks",
        "value": "https://example.com/hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://example.com/hooks",
        "value": "https://example.com/hooks"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://example.com/hooks",
        "value": "https://example.com/hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "HTTPS://Example.COM/Hooks",
        "value": "https://example.com/Hooks"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "HTTPS://Example.COM/Hooks",
        "value": "https://example.com/Hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "HTTPS://Example.COM/Hooks",
        "value": "https://example.com/Hooks"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "HTTPS://Example.COM/Hooks",
        "value": "https://example.com/Hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://example.com:8443/a?b=c",
        "value": "https://example.com:8443/a?b=c"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://example.com:8443/a?b=c",
        "value": "https://example.com:8443/a?b=c"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://example.com:8443/a?b=c",
        "value": "https://example.com:8443/a?b=c"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://example.com:8443/a?b=c",
        "value": "https://example.com:8443/a?b=c"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
          "severity": "error"
        },
        "url": "http://example.com/hooks",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "http://example.com/hooks",
        "value": "http://example.com/hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
          "severity": "error"
        },
        "url": "http://example.com/hooks",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "http://example.com/hooks",
        "value": "http://example.com/hooks"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "192.168.1.20 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://192.168.1.20/hook",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "192.168.1.20 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://192.168.1.20/hook",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://192.168.1.20/hook",
        "value": "https://192.168.1.20/hook"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://192.168.1.20/hook",
        "value": "https://192.168.1.20/hook"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
          "severity": "error"
        },
        "url": "http://192.168.1.20:8080/hook",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "192.168.1.20 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "http://192.168.1.20:8080/hook",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
          "severity": "error"
        },
        "url": "http://192.168.1.20:8080/hook",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "http://192.168.1.20:8080/hook",
        "value": "http://192.168.1.20:8080/hook"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "127.0.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://localhost/hook",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "127.0.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://localhost/hook",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://localhost/hook",
        "value": "https://localhost/hook"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://localhost/hook",
        "value": "https://localhost/hook"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "127.0.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://127.0.0.1/hook",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "127.0.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://127.0.0.1/hook",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://127.0.0.1/hook",
        "value": "https://127.0.0.1/hook"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://127.0.0.1/hook",
        "value": "https://127.0.0.1/hook"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "10.0.0.5 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://10.0.0.5/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "10.0.0.5 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://10.0.0.5/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://10.0.0.5/",
        "value": "https://10.0.0.5/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://10.0.0.5/",
        "value": "https://10.0.0.5/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "172.16.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://172.16.0.1/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "172.16.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://172.16.0.1/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://172.16.0.1/",
        "value": "https://172.16.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://172.16.0.1/",
        "value": "https://172.16.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://172.32.0.1/",
        "value": "https://172.32.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://172.32.0.1/",
        "value": "https://172.32.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://172.32.0.1/",
        "value": "https://172.32.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://172.32.0.1/",
        "value": "https://172.32.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "169.254.1.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://169.254.1.1/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "169.254.1.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://169.254.1.1/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://169.254.1.1/",
        "value": "https://169.254.1.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://169.254.1.1/",
        "value": "https://169.254.1.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "100.64.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://100.64.0.1/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "100.64.0.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://100.64.0.1/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://100.64.0.1/",
        "value": "https://100.64.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://100.64.0.1/",
        "value": "https://100.64.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://100.128.0.1/",
        "value": "https://100.128.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://100.128.0.1/",
        "value": "https://100.128.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://100.128.0.1/",
        "value": "https://100.128.0.1/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://100.128.0.1/",
        "value": "https://100.128.0.1/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "0.0.0.0 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://0.0.0.0/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "0.0.0.0 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://0.0.0.0/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://0.0.0.0/",
        "value": "https://0.0.0.0/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://0.0.0.0/",
        "value": "https://0.0.0.0/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "255.255.255.255 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://255.255.255.255/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "255.255.255.255 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://255.255.255.255/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://255.255.255.255/",
        "value": "https://255.255.255.255/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://255.255.255.255/",
        "value": "https://255.255.255.255/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://8.8.8.8/",
        "value": "https://8.8.8.8/"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://8.8.8.8/",
        "value": "https://8.8.8.8/"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://8.8.8.8/",
        "value": "https://8.8.8.8/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://8.8.8.8/",
        "value": "https://8.8.8.8/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[::1]/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[::1]/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::1]/",
        "value": "https://[::1]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::1]/",
        "value": "https://[::1]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "fd00::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[fd00::1]/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "fd00::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[fd00::1]/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[fd00::1]/",
        "value": "https://[fd00::1]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[fd00::1]/",
        "value": "https://[fd00::1]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "fe80::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[fe80::1]/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "fe80::1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[fe80::1]/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[fe80::1]/",
        "value": "https://[fe80::1]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[fe80::1]/",
        "value": "https://[fe80::1]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://[2001:db8::1]/",
        "value": "https://[2001:db8::1]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://[2001:db8::1]/",
        "value": "https://[2001:db8::1]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[2001:db8::1]/",
        "value": "https://[2001:db8::1]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[2001:db8::1]/",
        "value": "https://[2001:db8::1]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "::ffff:192.168.1.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[::ffff:192.168.1.1]/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "::ffff:192.168.1.1 is a private or local address. Allow private/LAN addresses for this endpoint to send there.",
          "severity": "error"
        },
        "url": "https://[::ffff:192.168.1.1]/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::ffff:192.168.1.1]/",
        "value": "https://[::ffff:c0a8:101]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::ffff:192.168.1.1]/",
        "value": "https://[::ffff:c0a8:101]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": null,
        "url": "https://[::ffff:8.8.8.8]/",
        "value": "https://[::ffff:808:808]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": null,
        "url": "https://[::ffff:8.8.8.8]/",
        "value": "https://[::ffff:808:808]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::ffff:8.8.8.8]/",
        "value": "https://[::ffff:808:808]/"
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": null,
        "url": "https://[::ffff:8.8.8.8]/",
        "value": "https://[::ffff:808:808]/"
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must start with https:// (or http:// when allowed).",
          "severity": "error"
        },
        "url": "ftp://example.com/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must start with https:// (or http:// when allowed).",
          "severity": "error"
        },
        "url": "ftp://example.com/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must start with https:// (or http:// when allowed).",
          "severity": "error"
        },
        "url": "ftp://example.com/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must start with https:// (or http:// when allowed).",
          "severity": "error"
        },
        "url": "ftp://example.com/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must not contain a user name or password; use a custom header instead.",
          "severity": "error"
        },
        "url": "https://user:pw@example.com/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must not contain a user name or password; use a custom header instead.",
          "severity": "error"
        },
        "url": "https://user:pw@example.com/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must not contain a user name or password; use a custom header instead.",
          "severity": "error"
        },
        "url": "https://user:pw@example.com/",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must not contain a user name or password; use a custom header instead.",
          "severity": "error"
        },
        "url": "https://user:pw@example.com/",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "https://exa mple.com",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "https://exa mple.com",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "https://exa mple.com",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "https://exa mple.com",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "not a url",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": false,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "not a url",
        "value": null
      },
      {
        "allowHttp": false,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "not a url",
        "value": null
      },
      {
        "allowHttp": true,
        "allowPrivate": true,
        "issue": {
          "field": "url",
          "message": "URL must be one line without spaces, at most 2048 characters.",
          "severity": "error"
        },
        "url": "not a url",
        "value": null
      }
    ],
    "fields": [
      {
        "field": "account_sid",
        "input": "",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "   ",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "has space",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "tab\there",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "café",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "77777777777777777777777777777777777",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID is too long: at most 34 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "AC0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "AC0123456789ABCDEF0123456789ABCDEF",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "XX0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must start with AC.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "ac0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must start with AC.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "AC0123",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID must be 34 characters long: AC followed by 32 hexadecimal digits (it has 6).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "account_sid",
        "input": "AC0123456789abcdef0123456789abcdeg",
        "issues": [
          {
            "field": "account_sid",
            "message": "Account SID may only contain hexadecimal digits (0-9, a-f) after AC.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "   ",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "has space",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "tab\there",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "café",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "77777777777777777",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with is too long: at most 16 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "other",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must be one of: auth_token, api_key.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "Auth_Token",
        "issues": [
          {
            "field": "auth_method",
            "message": "Sign in with must be one of: auth_token, api_key.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "auth_token",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "auth_method",
        "input": "api_key",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "   ",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "has space",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "tab\there",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "café",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token is too long: at most 128 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "abc123",
        "issues": [
          {
            "field": "auth_token",
            "message": "Twilio Auth Tokens are usually 32 hexadecimal characters. Check that you copied all of it; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "a",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token is too short.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "tok!en",
        "issues": [
          {
            "field": "auth_token",
            "message": "Auth Token contains '!', which never appears in a Twilio credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [
          {
            "field": "auth_token",
            "message": "Twilio Auth Tokens are usually 32 hexadecimal characters. Check that you copied all of it; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "auth_token",
        "input": "sk_live:abc",
        "issues": [
          {
            "field": "auth_token",
            "message": "Twilio Auth Tokens are usually 32 hexadecimal characters. Check that you copied all of it; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "   ",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "has space",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "tab\there",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "café",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "77777777777777777777777777777777777",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID is too long: at most 34 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "SK0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "SK0123456789ABCDEF0123456789ABCDEF",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "XX0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must start with SK.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "sk0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must start with SK.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "SK0123",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID must be 34 characters long: SK followed by 32 hexadecimal digits (it has 6).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_sid",
        "input": "SK0123456789abcdef0123456789abcdeg",
        "issues": [
          {
            "field": "api_key_sid",
            "message": "API Key SID may only contain hexadecimal digits (0-9, a-f) after SK.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "   ",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "has space",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "tab\there",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "café",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret is too long: at most 128 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "abc123",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "a",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret is too short.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "tok!en",
        "issues": [
          {
            "field": "api_key_secret",
            "message": "API Key secret contains '!', which never appears in a Twilio credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "api_key_secret",
        "input": "sk_live:abc",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "",
        "issues": [
          {
            "field": "sender",
            "message": "Send from is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "   ",
        "issues": [
          {
            "field": "sender",
            "message": "Send from is required.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "has space",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "tab\there",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "café",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "77777777777777777777777777777777777",
        "issues": [
          {
            "field": "sender",
            "message": "Send from is too long: at most 34 characters.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "MG0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "MG0123456789ABCDEF0123456789ABCDEF",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "XX0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "mg0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "MG0123",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be 34 characters long: MG followed by 32 hexadecimal digits (it has 6).",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "MG0123456789abcdef0123456789abcdeg",
        "issues": [
          {
            "field": "sender",
            "message": "Send from may only contain hexadecimal digits (0-9, a-f) after MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+15551234567",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+441234567890",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "15551234567",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+0551234567",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+1",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+123456789012345",
        "issues": [],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+1234567890123456",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "sender",
        "input": "+1555-123-4567",
        "issues": [
          {
            "field": "sender",
            "message": "Send from must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.",
            "severity": "error"
          }
        ],
        "provider": "twilio"
      },
      {
        "field": "access_token",
        "input": "",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "   ",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "has space",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "tab\there",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "café",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "77777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token is too long: at most 1024 characters.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "abc123",
        "issues": [
          {
            "field": "access_token",
            "message": "Square access tokens usually start with EAA. Check that this is the access token, not the application ID or secret; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "a",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token is too short.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "tok!en",
        "issues": [
          {
            "field": "access_token",
            "message": "Access token contains '!', which never appears in a Square credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [
          {
            "field": "access_token",
            "message": "Square access tokens usually start with EAA. Check that this is the access token, not the application ID or secret; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [
          {
            "field": "access_token",
            "message": "Square access tokens usually start with EAA. Check that this is the access token, not the application ID or secret; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [],
        "provider": "square"
      },
      {
        "field": "access_token",
        "input": "sk_live:abc",
        "issues": [
          {
            "field": "access_token",
            "message": "Square access tokens usually start with EAA. Check that this is the access token, not the application ID or secret; you can still save.",
            "severity": "warning"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "   ",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "has space",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "tab\there",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "café",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "777777777777777777777777777777777",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID is too long: at most 32 characters.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "18YC4JDH91E1H",
        "issues": [],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "18YC-4JDH",
        "issues": [
          {
            "field": "location_id",
            "message": "Location ID may only contain letters and digits.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "location_id",
        "input": "L1",
        "issues": [],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "   ",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version is required.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "has space",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "tab\there",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "café",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "77777777777",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version is too long: at most 10 characters.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2026-08-19",
        "issues": [],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2024-02-29",
        "issues": [],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2026-02-30",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must be a date written YYYY-MM-DD, e.g. 2026-08-19.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2026-8-19",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must be a date written YYYY-MM-DD, e.g. 2026-08-19.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2026/08/19",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must be a date written YYYY-MM-DD, e.g. 2026-08-19.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "20260819",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must be a date written YYYY-MM-DD, e.g. 2026-08-19.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "square_version",
        "input": "2026-13-01",
        "issues": [
          {
            "field": "square_version",
            "message": "Square API version must be a date written YYYY-MM-DD, e.g. 2026-08-19.",
            "severity": "error"
          }
        ],
        "provider": "square"
      },
      {
        "field": "client_id",
        "input": "",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "   ",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "has space",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "tab\there",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "café",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID is too long: at most 128 characters.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "abc123",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "a",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID is too short.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "tok!en",
        "issues": [
          {
            "field": "client_id",
            "message": "Client ID contains '!', which never appears in a QuickBooks credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_id",
        "input": "sk_live:abc",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "   ",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "has space",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "tab\there",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "café",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret is too long: at most 128 characters.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "abc123",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "a",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret is too short.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "tok!en",
        "issues": [
          {
            "field": "client_secret",
            "message": "Client secret contains '!', which never appears in a QuickBooks credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "client_secret",
        "input": "sk_live:abc",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "   ",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "has space",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "tab\there",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "café",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "777777777777777777777",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) is too long: at most 20 characters.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "9341453000000001",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "934145300a",
        "issues": [
          {
            "field": "realm_id",
            "message": "Company ID (realm) must contain digits only.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "realm_id",
        "input": "0",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "   ",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token is required.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "has space",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token must not contain spaces.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "line\nbreak",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "tab\there",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "café",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token must contain only plain ASCII characters (no accents or symbols).",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "77777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token is too long: at most 1024 characters.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "abc123",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "a",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token is too short.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "tok!en",
        "issues": [
          {
            "field": "refresh_token",
            "message": "Refresh token contains '!', which never appears in a QuickBooks credential; it may only contain letters, digits and -_.~+/=:.",
            "severity": "error"
          }
        ],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "0123456789abcdef0123456789abcdef",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": " 0123456789ABCDEF0123456789ABCDEF ",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "EAAAl0ngT0ken-_.~+/=:",
        "issues": [],
        "provider": "quickbooks"
      },
      {
        "field": "refresh_token",
        "input": "sk_live:abc",
        "issues": [],
        "provider": "quickbooks"
      }
    ],
    "names": [
      {
        "input": "",
        "issues": [
          {
            "field": "name",
            "message": "Name is required.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "   ",
        "issues": [
          {
            "field": "name",
            "message": "Name is required.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "  Front desk SMS  ",
        "issues": [],
        "value": "Front desk SMS"
      },
      {
        "input": "Ünïcode — fine",
        "issues": [],
        "value": "Ünïcode — fine"
      },
      {
        "input": "a\tb",
        "issues": [
          {
            "field": "name",
            "message": "Name must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "two\nlines",
        "issues": [
          {
            "field": "name",
            "message": "Name must not contain control characters or line breaks.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "<b>Bold</b>",
        "issues": [
          {
            "field": "name",
            "message": "Name must not contain < or >.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "a > b",
        "issues": [
          {
            "field": "name",
            "message": "Name must not contain < or >.",
            "severity": "error"
          }
        ],
        "value": null
      },
      {
        "input": "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
        "issues": [],
        "value": "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
      },
      {
        "input": "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
        "issues": [
          {
            "field": "name",
            "message": "Name is too long: at most 80 characters.",
            "severity": "error"
          }
        ],
        "value": null
      }
    ],
    "privateAddresses": [
      {
        "ip": "127.0.0.1",
        "private": true
      },
      {
        "ip": "127.255.0.9",
        "private": true
      },
      {
        "ip": "10.1.2.3",
        "private": true
      },
      {
        "ip": "172.16.0.1",
        "private": true
      },
      {
        "ip": "172.31.255.255",
        "private": true
      },
      {
        "ip": "172.32.0.1",
        "private": false
      },
      {
        "ip": "192.168.0.1",
        "private": true
      },
      {
        "ip": "192.169.0.1",
        "private": false
      },
      {
        "ip": "169.254.0.1",
        "private": true
      },
      {
        "ip": "100.64.0.1",
        "private": true
      },
      {
        "ip": "100.127.255.255",
        "private": true
      },
      {
        "ip": "100.128.0.1",
        "private": false
      },
      {
        "ip": "0.0.0.0",
        "private": true
      },
      {
        "ip": "255.255.255.255",
        "private": true
      },
      {
        "ip": "8.8.8.8",
        "private": false
      },
      {
        "ip": "::1",
        "private": true
      },
      {
        "ip": "::",
        "private": true
      },
      {
        "ip": "fc00::1",
        "private": true
      },
      {
        "ip": "fd12:3456::1",
        "private": true
      },
      {
        "ip": "fe80::1",
        "private": true
      },
      {
        "ip": "febf::1",
        "private": true
      },
      {
        "ip": "fec0::1",
        "private": false
      },
      {
        "ip": "2001:db8::1",
        "private": false
      },
      {
        "ip": "::ffff:10.0.0.1",
        "private": true
      },
      {
        "ip": "::ffff:8.8.8.8",
        "private": false
      }
    ],
    "statuses": [
      {
        "expected": {
          "action": "Enable it on the Integrations page to use it again.",
          "level": "off",
          "reason": "Turned off by a user."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": false,
          "failingSince": null,
          "lastSuccessAt": 1799999700000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799999700000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "off",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Press “Test now” to check the connection.",
          "level": "yellow",
          "reason": "Not tested yet."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": null,
          "lastTest": null,
          "refreshTokenExpiresAt": null
        },
        "name": "never tested",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "ok summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799999700000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799999700000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "passed recently",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "ok summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799998200000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799998200000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "passed just within twice the interval",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Press “Test now”; background checks may be paused while the app was closed.",
          "level": "yellow",
          "reason": "The last successful test is out of date."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799998140000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799998140000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "passed longer ago than twice the interval",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "credentials_rejected action.",
          "level": "red",
          "reason": "credentials_rejected summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": 1799999880000,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "credentials_rejected action.",
            "at": 1799999880000,
            "kind": "credentials_rejected",
            "summary": "credentials_rejected summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "credentials rejected",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "missing_secret action.",
          "level": "red",
          "reason": "missing_secret summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "missing_secret action.",
            "at": 1799999880000,
            "kind": "missing_secret",
            "summary": "missing_secret summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "secret missing",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "unreachable action.",
          "level": "yellow",
          "reason": "unreachable summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": 1799992800000,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "unreachable action.",
            "at": 1799999400000,
            "kind": "unreachable",
            "summary": "unreachable summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "unreachable for two hours",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "rate_limited action.",
          "level": "yellow",
          "reason": "rate_limited summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": 1799913600000,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "rate_limited action.",
            "at": 1799999940000,
            "kind": "rate_limited",
            "summary": "rate_limited summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "rate limited for exactly a day",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "provider_error action.",
          "level": "red",
          "reason": "Failing for over a day: provider_error summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": 1799913540000,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "provider_error action.",
            "at": 1799999940000,
            "kind": "provider_error",
            "summary": "provider_error summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "provider errors for over a day",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "unreachable action.",
          "level": "red",
          "reason": "Failing for over a day: unreachable summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": null,
          "lastTest": {
            "action": "unreachable action.",
            "at": 1799913540000,
            "kind": "unreachable",
            "summary": "unreachable summary."
          },
          "refreshTokenExpiresAt": null
        },
        "name": "one unreachable test over a day old",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Reconnect QuickBooks: get a new refresh token and enter it on the Integrations page.",
          "level": "red",
          "reason": "The QuickBooks refresh token has expired."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799999700000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799999700000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": 1799999940000
        },
        "name": "refresh token expired",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Test the connection (each test renews the token), or reconnect before it expires.",
          "level": "yellow",
          "reason": "The refresh token expires in 5 days."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799999700000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799999700000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": 1800432060000
        },
        "name": "refresh token expires in five days",
        "now": 1800000000000
      },
      {
        "expected": {
          "action": "Nothing to do.",
          "level": "green",
          "reason": "ok summary."
        },
        "facts": {
          "checkIntervalMs": 900000,
          "enabled": true,
          "failingSince": null,
          "lastSuccessAt": 1799999700000,
          "lastTest": {
            "action": "ok action.",
            "at": 1799999700000,
            "kind": "ok",
            "summary": "ok summary."
          },
          "refreshTokenExpiresAt": 1801728000000
        },
        "name": "refresh token expires in twenty days",
        "now": 1800000000000
      }
    ]
  },
  "commands": {
    "acknowledgeDeadDeliveries": {
      "action": "endpoint.acknowledge_dead",
      "permission": "send_events",
      "session": true
    },
    "appInfo": {
      "action": null,
      "permission": null,
      "session": false
    },
    "auditFacets": {
      "action": "audit.view",
      "permission": "audit",
      "session": true
    },
    "auditPage": {
      "action": "audit.view",
      "permission": "audit",
      "session": true
    },
    "changePassword": {
      "action": null,
      "permission": null,
      "session": true
    },
    "createApiKey": {
      "action": "api_key.create",
      "permission": "configure",
      "session": true
    },
    "createEndpoint": {
      "action": "endpoint.create",
      "permission": "configure",
      "session": true
    },
    "createIntegration": {
      "action": "integration.create",
      "permission": "configure",
      "session": true
    },
    "createUser": {
      "action": "user.create",
      "permission": "manage_users",
      "session": true
    },
    "deleteEndpoint": {
      "action": "endpoint.delete",
      "permission": "configure",
      "session": true
    },
    "deleteIntegration": {
      "action": "integration.delete",
      "permission": "configure",
      "session": true
    },
    "endpointStatuses": {
      "action": "status.view",
      "permission": "view",
      "session": true
    },
    "exportAudit": {
      "action": "audit.export",
      "permission": "audit",
      "session": true
    },
    "exportDeliveries": {
      "action": "delivery_log.export",
      "permission": "send_events",
      "session": true
    },
    "getDelivery": {
      "action": "delivery_log.view",
      "permission": "view",
      "session": true
    },
    "getIntegration": {
      "action": "integration.view",
      "permission": "view",
      "session": true
    },
    "getSettings": {
      "action": null,
      "permission": null,
      "session": true
    },
    "integrationStatuses": {
      "action": "status.view",
      "permission": "view",
      "session": true
    },
    "listApiKeys": {
      "action": "api_key.list",
      "permission": "configure",
      "session": true
    },
    "listDeliveries": {
      "action": "delivery_log.view",
      "permission": "view",
      "session": true
    },
    "listEndpoints": {
      "action": "endpoint.list",
      "permission": "view",
      "session": true
    },
    "listEventTypes": {
      "action": null,
      "permission": null,
      "session": false
    },
    "listIntegrations": {
      "action": "integration.list",
      "permission": "view",
      "session": true
    },
    "listProviders": {
      "action": null,
      "permission": null,
      "session": false
    },
    "listUsers": {
      "action": "user.list",
      "permission": "manage_users",
      "session": true
    },
    "lock": {
      "action": null,
      "permission": null,
      "session": false
    },
    "login": {
      "action": null,
      "permission": null,
      "session": false
    },
    "logout": {
      "action": null,
      "permission": null,
      "session": false
    },
    "missingSecrets": {
      "action": "status.view",
      "permission": "view",
      "session": true
    },
    "pruneNow": {
      "action": "audit.prune",
      "permission": "retention",
      "session": true
    },
    "resendDeliveries": {
      "action": "delivery.resend",
      "permission": "send_events",
      "session": true
    },
    "resetPassword": {
      "action": "user.reset_password",
      "permission": "manage_users",
      "session": true
    },
    "revokeApiKey": {
      "action": "api_key.revoke",
      "permission": "configure",
      "session": true
    },
    "rotateEndpointSecret": {
      "action": "endpoint.rotate_secret",
      "permission": "configure",
      "session": true
    },
    "sendEvent": {
      "action": "event.send",
      "permission": "send_events",
      "session": true
    },
    "sessionState": {
      "action": null,
      "permission": null,
      "session": false
    },
    "setEndpointEnabled": {
      "action": "endpoint.enable",
      "actionWhenDisabling": "endpoint.disable",
      "permission": "configure",
      "session": true
    },
    "setIntegrationEnabled": {
      "action": "integration.enable",
      "actionWhenDisabling": "integration.disable",
      "permission": "configure",
      "session": true
    },
    "setup": {
      "action": null,
      "permission": null,
      "session": false
    },
    "testHistory": {
      "action": "integration.view",
      "permission": "view",
      "session": true
    },
    "testIntegration": {
      "action": "integration.test",
      "permission": "run_tests",
      "session": true
    },
    "touchSession": {
      "action": null,
      "permission": null,
      "session": false
    },
    "updateEndpoint": {
      "action": "endpoint.update",
      "permission": "configure",
      "session": true
    },
    "updateIntegration": {
      "action": "integration.update",
      "permission": "configure",
      "session": true
    },
    "updateSettings": {
      "action": null,
      "permission": null,
      "session": true
    },
    "updateUser": {
      "action": "user.update",
      "permission": "manage_users",
      "session": true
    },
    "validateIntegration": {
      "action": "integration.create",
      "permission": "configure",
      "session": true
    },
    "validateIntegrationPatch": {
      "action": "integration.update",
      "permission": "configure",
      "session": true
    },
    "verifyAudit": {
      "action": "audit.verify",
      "permission": "audit",
      "session": true
    }
  },
  "eventTypes": [
    "appointment.created",
    "appointment.updated",
    "appointment.cancelled",
    "appointment.completed",
    "patient.created",
    "patient.updated",
    "record.finalized",
    "invoice.created",
    "invoice.paid",
    "payment.completed",
    "payment.failed",
    "call.completed",
    "emergency.detected",
    "test.ping"
  ],
  "outcomeKinds": [
    {
      "kind": "ok",
      "transient": false
    },
    {
      "kind": "credentials_rejected",
      "transient": false
    },
    {
      "kind": "permission_missing",
      "transient": false
    },
    {
      "kind": "account_suspended",
      "transient": false
    },
    {
      "kind": "not_found",
      "transient": false
    },
    {
      "kind": "rate_limited",
      "transient": true
    },
    {
      "kind": "provider_error",
      "transient": true
    },
    {
      "kind": "unreachable",
      "transient": true
    },
    {
      "kind": "unexpected_response",
      "transient": false
    },
    {
      "kind": "missing_secret",
      "transient": false
    },
    {
      "kind": "keychain_unavailable",
      "transient": false
    }
  ],
  "providers": [
    {
      "docsUrl": "https://www.twilio.com/docs/iam/api-keys",
      "environments": [
        {
          "baseUrl": "https://api.twilio.com",
          "help": "Real messages are sent and billed.",
          "label": "Live credentials",
          "name": "live"
        },
        {
          "baseUrl": "https://api.twilio.com",
          "help": "Twilio's test credentials: nothing is sent or billed; the connection test sends to Twilio's magic test number.",
          "label": "Test credentials",
          "name": "test"
        }
      ],
      "fields": [
        {
          "default": null,
          "help": "Twilio Console → Account Info. Starts with AC, 34 characters.",
          "kind": {
            "kind": "twilio_sid",
            "prefix": "AC"
          },
          "label": "Account SID",
          "maxLen": 34,
          "name": "account_sid",
          "placeholder": "AC0123456789abcdef0123456789abcdef",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        },
        {
          "default": "auth_token",
          "help": "An API key can be revoked on its own without changing the account's Auth Token. It must be a Main key to read the account.",
          "kind": {
            "kind": "choice",
            "options": [
              {
                "label": "Account SID and Auth Token",
                "value": "auth_token"
              },
              {
                "label": "API Key SID and secret",
                "value": "api_key"
              }
            ]
          },
          "label": "Sign in with",
          "maxLen": 16,
          "name": "auth_method",
          "placeholder": "",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        },
        {
          "default": null,
          "help": "Twilio Console → Account Info → Auth Token (press Show).",
          "kind": {
            "kind": "token"
          },
          "label": "Auth Token",
          "maxLen": 128,
          "name": "auth_token",
          "placeholder": "32 characters",
          "requirement": {
            "equals": "auth_token",
            "field": "auth_method",
            "kind": "required_when"
          },
          "secret": true
        },
        {
          "default": null,
          "help": "Twilio Console → Account → API keys & tokens. Starts with SK.",
          "kind": {
            "kind": "twilio_sid",
            "prefix": "SK"
          },
          "label": "API Key SID",
          "maxLen": 34,
          "name": "api_key_sid",
          "placeholder": "SK0123456789abcdef0123456789abcdef",
          "requirement": {
            "equals": "api_key",
            "field": "auth_method",
            "kind": "required_when"
          },
          "secret": false
        },
        {
          "default": null,
          "help": "Shown once by Twilio when the key was created.",
          "kind": {
            "kind": "token"
          },
          "label": "API Key secret",
          "maxLen": 128,
          "name": "api_key_secret",
          "placeholder": "",
          "requirement": {
            "equals": "api_key",
            "field": "auth_method",
            "kind": "required_when"
          },
          "secret": true
        },
        {
          "default": null,
          "help": "Your Twilio phone number in international form (+15551234567), or a Messaging Service SID (starts with MG).",
          "kind": {
            "kind": "twilio_sender"
          },
          "label": "Send from",
          "maxLen": 34,
          "name": "sender",
          "placeholder": "+15551234567",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        }
      ],
      "name": "Twilio",
      "provider": "twilio",
      "purpose": "Appointment reminders and two-way SMS"
    },
    {
      "docsUrl": "https://developer.squareup.com/docs/build-basics/access-tokens",
      "environments": [
        {
          "baseUrl": "https://connect.squareup.com",
          "help": "Real payments.",
          "label": "Production",
          "name": "production"
        },
        {
          "baseUrl": "https://connect.squareupsandbox.com",
          "help": "Square's test environment; sandbox tokens only work here.",
          "label": "Sandbox",
          "name": "sandbox"
        }
      ],
      "fields": [
        {
          "default": null,
          "help": "Square Developer Console → your application → Credentials → Access token (production or sandbox, matching the environment).",
          "kind": {
            "kind": "token"
          },
          "label": "Access token",
          "maxLen": 1024,
          "name": "access_token",
          "placeholder": "EAAA…",
          "requirement": {
            "kind": "required"
          },
          "secret": true
        },
        {
          "default": null,
          "help": "Square Dashboard → Settings → Locations → the clinic's location → Location ID.",
          "kind": {
            "kind": "square_location_id"
          },
          "label": "Location ID",
          "maxLen": 32,
          "name": "location_id",
          "placeholder": "18YC4JDH91E1H",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        },
        {
          "default": "2026-08-19",
          "help": "The Square-Version header sent with every request (YYYY-MM-DD). Leave the default unless Square support asks otherwise.",
          "kind": {
            "kind": "api_version_date"
          },
          "label": "Square API version",
          "maxLen": 10,
          "name": "square_version",
          "placeholder": "2026-08-19",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        }
      ],
      "name": "Square",
      "provider": "square",
      "purpose": "Card payments at the front desk and online"
    },
    {
      "docsUrl": "https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq",
      "environments": [
        {
          "baseUrl": "https://quickbooks.api.intuit.com",
          "help": "The clinic's real company file. Use production keys.",
          "label": "Production",
          "name": "production"
        },
        {
          "baseUrl": "https://sandbox-quickbooks.api.intuit.com",
          "help": "An Intuit sandbox company. Use development keys.",
          "label": "Sandbox",
          "name": "sandbox"
        }
      ],
      "fields": [
        {
          "default": null,
          "help": "Intuit Developer → your app → Keys & credentials (development keys for sandbox, production keys for production).",
          "kind": {
            "kind": "token"
          },
          "label": "Client ID",
          "maxLen": 128,
          "name": "client_id",
          "placeholder": "AB…",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        },
        {
          "default": null,
          "help": "Shown next to the Client ID under Keys & credentials.",
          "kind": {
            "kind": "token"
          },
          "label": "Client secret",
          "maxLen": 128,
          "name": "client_secret",
          "placeholder": "",
          "requirement": {
            "kind": "required"
          },
          "secret": true
        },
        {
          "default": null,
          "help": "QuickBooks → gear icon → Account and settings → Billing & subscription → Company ID. Digits only.",
          "kind": {
            "kind": "digits"
          },
          "label": "Company ID (realm)",
          "maxLen": 20,
          "name": "realm_id",
          "placeholder": "9341453000000001",
          "requirement": {
            "kind": "required"
          },
          "secret": false
        },
        {
          "default": null,
          "help": "From Intuit's OAuth Playground or your connection flow. Switchboard stores each new one QuickBooks returns.",
          "kind": {
            "kind": "token"
          },
          "label": "Refresh token",
          "maxLen": 1024,
          "name": "refresh_token",
          "placeholder": "RT1-…",
          "requirement": {
            "kind": "required"
          },
          "secret": true
        }
      ],
      "name": "QuickBooks Online",
      "provider": "quickbooks",
      "purpose": "Invoices and payments in the clinic's accounting"
    }
  ],
  "refusals": {
    "audit": "Only an admin can view, export or verify the audit log.",
    "configure": "Only a practice manager or an admin can change the configuration.",
    "manage_users": "Only an admin can manage users.",
    "retention": "Only an admin can change retention and security settings.",
    "run_tests": "You are not allowed to run connection tests.",
    "send_events": "Only a practice manager or an admin can send events, resend deliveries or export the delivery log.",
    "view": "You are not allowed to view this."
  },
  "retry": {
    "delaysMs": [
      5000,
      300000,
      1800000,
      7200000,
      18000000,
      36000000,
      36000000
    ],
    "maxRetryAfterMs": 86400000
  },
  "roles": {
    "admin": [
      "view",
      "run_tests",
      "configure",
      "send_events",
      "manage_users",
      "audit",
      "retention"
    ],
    "front_desk": [
      "view",
      "run_tests"
    ],
    "manager": [
      "view",
      "run_tests",
      "configure",
      "send_events"
    ]
  }
} satisfies DomainExport;

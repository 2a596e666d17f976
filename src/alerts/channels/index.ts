/** The one table from channel type to sender (the compiler checks every type has one). */
import type { ChannelConfig, ChannelConfigOf } from '../../config/channel-config.js';
import type { ChannelSender } from './channel-sender.js';
import { createDiscordSender } from './discord.js';
import { createEmailSender } from './email.js';
import { createOpsgenieSender } from './opsgenie.js';
import { createPagerDutySender } from './pagerduty.js';
import { createTeamsSender } from './teams.js';
import { createTelegramSender } from './telegram.js';
import { createTemplateSender } from './template-webhook.js';

const ALERT_USER_AGENT = 'Vigil/0.1 (+alerts)';

const SENDERS = {
  email: createEmailSender,
  pagerduty: createPagerDutySender,
  opsgenie: createOpsgenieSender,
  discord: createDiscordSender,
  telegram: createTelegramSender,
  teams: createTeamsSender,
  template: createTemplateSender,
} satisfies { [K in ChannelConfig['type']]: (config: ChannelConfigOf<K>, userAgent: string) => ChannelSender };

export function createChannelSender(config: ChannelConfig, userAgent = ALERT_USER_AGENT): ChannelSender {
  const make = SENDERS[config.type] as (config: ChannelConfig, userAgent: string) => ChannelSender;
  return make(config, userAgent);
}

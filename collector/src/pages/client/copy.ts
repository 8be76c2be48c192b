/** Pages whose only script is their copy buttons (Settings, a webhook endpoint's deliveries). */
import { wireCopyButtons } from './dom'

wireCopyButtons()

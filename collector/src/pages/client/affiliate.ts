/** The affiliate page's script: copy buttons only; every change on the page is a plain form. */
import { wireCopyButtons } from './dom'

wireCopyButtons()

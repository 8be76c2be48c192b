/**
 * Entry of the `<script>` tag build (dist/refline.js): the settings are the tag's `data-*`
 * attributes, and the collector defaults to the origin the script was loaded from.
 */
import { start } from './core'

start(document.currentScript as HTMLScriptElement)

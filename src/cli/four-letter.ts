/**
 * The one place the shell gets four-letter words from, so moving `fourLetterWord` into the client's
 * exports is a one-line change here.
 */
export { fourLetterWord, parseMntr, type FourLetterWord } from '../testing/four-letter.js'

/** The one place the shell gets four-letter words from: the client's own (exported from `zkwire`). */
export { fourLetterWord, parseMntr, type FourLetterWord } from '../client/four-letter.js'

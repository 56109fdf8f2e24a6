import { z } from 'zod';

/**
 * The 200 of the PDF routes for OpenAPI: the document's bytes (A4, in the requesting user's language, times in
 * the company time zone). Sent as a buffer, so never run through a serialiser.
 */
export const PdfFile = {
  description: 'A PDF document (A4), sent as an attachment',
  content: { 'application/pdf': { schema: z.string().describe('PDF (binary)') } },
};

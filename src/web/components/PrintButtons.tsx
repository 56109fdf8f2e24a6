import { FilePdfOutlined, PrinterOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useT } from '../i18n/locale.js';

/**
 * "Print" prints the page as it is (the print style sheet in styles.css drops the menu, header and buttons);
 * "PDF" downloads the document the server lays out on A4 in the user's language. A plain link: the session
 * cookie authenticates a GET, and the browser shows its own download progress.
 */
export function PrintButtons({ pdfUrl, testId }: { pdfUrl: string; testId: string }) {
  const t = useT();
  return (
    <>
      <Button icon={<PrinterOutlined />} onClick={() => window.print()} data-testid={`${testId}-print`}>
        {t.common.print}
      </Button>
      <Button icon={<FilePdfOutlined />} href={pdfUrl} download data-testid={`${testId}-pdf`}>
        {t.common.pdf}
      </Button>
    </>
  );
}

import { BookOutlined, CompassOutlined, ExperimentOutlined, QuestionCircleOutlined, ReadOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { tourOfPage, useTours } from '../guidance/tours.js';
import { useT } from '../i18n/locale.js';
import { usePractice } from './PracticeBanner.js';

/** The "?" in the header: this page's tour, the welcome tour, the help centre, training and the practice workspace. */
export function HelpMenu() {
  const t = useT();
  const m = t.guidance.menu;
  const navigate = useNavigate();
  const location = useLocation();
  const tours = useTours();
  const practice = usePractice();
  const pageTour = tourOfPage(location.pathname);
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          ...(pageTour ? [{ key: 'tour', icon: <CompassOutlined />, label: m.tour, onClick: () => tours.start(pageTour) }] : []),
          { key: 'welcome', icon: <CompassOutlined />, label: m.welcomeTour, onClick: () => tours.start('welcome') },
          { key: 'help', icon: <ReadOutlined />, label: m.helpCentre, onClick: () => void navigate('/help') },
          { key: 'training', icon: <BookOutlined />, label: m.training, onClick: () => void navigate('/training') },
          practice.active
            ? { key: 'practice', icon: <ExperimentOutlined />, label: m.leavePractice, onClick: () => practice.leave() }
            : { key: 'practice', icon: <ExperimentOutlined />, label: m.practice, onClick: () => practice.open() },
        ],
      }}
    >
      <Button type="text" icon={<QuestionCircleOutlined />} aria-label={m.label} data-tour="help-menu" data-testid="help-menu" />
    </Dropdown>
  );
}
